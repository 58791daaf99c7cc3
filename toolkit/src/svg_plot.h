// Small inline-SVG plotting helpers for the search report (search_report.cpp):
// linear scales, 1-2-5 ticks, axes, and an element writer that escapes text
// and refuses non-finite coordinates. Private to tf_search; the report test
// includes it to check the mapping with hand-computed values.
//
//   const Ticks t = nice_ticks(0.0, 315.0);       // 0, 100, 200, 300, 400
//   const Scale x{t.lo, t.hi, 64.0, 444.0};         // x(300) == 349
//   Svg svg(460, 300);
//   svg.line(x(300), 16, x(300), 256, "limit");
//   std::string html = svg.str();
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace tinyformer::toolkit::svg {

// `text` with & < > " ' replaced by entities: safe in HTML text and in attribute values.
std::string html_escape(const std::string& text);

// A coordinate or length for an attribute: fixed, one decimal. Throws
// engine::Error (an internal error) for NaN or infinity, so a broken scale
// can never write an unreadable SVG.
std::string coord(double value);

// `value` with at most `decimals` decimals and no trailing zeros ("1.5", "300", "0.25").
std::string number(double value, int decimals = 2);

// Axis ticks on a 1-2-5 grid: lo <= every data value <= hi, step = {1, 2, 5} x 10^k,
// the smallest such step giving at most `max_intervals` intervals; lo and hi are multiples of step.
struct Ticks {
    double lo = 0.0, hi = 1.0, step = 1.0;
    std::vector<double> values;  // lo, lo + step, ..., hi
};
// Throws engine::Error when lo or hi is not finite or lo > hi. lo == hi gets one step around the value.
Ticks nice_ticks(double lo, double hi, int max_intervals = 5);

// Linear map from data (domain) to SVG pixels (range). A reversed range
// (range_lo > range_hi) is how a y axis points up.
struct Scale {
    double domain_lo = 0.0, domain_hi = 1.0;
    double range_lo = 0.0, range_hi = 1.0;
    double operator()(double value) const;
};

// The plotting area inside an SVG of width x height: margins hold the axes' labels.
struct Frame {
    double width = 0.0, height = 0.0;
    double left = 0.0, right = 0.0, top = 0.0, bottom = 0.0;
    double plot_left() const { return left; }
    double plot_right() const { return width - right; }
    double plot_top() const { return top; }
    double plot_bottom() const { return height - bottom; }
};

// Writes SVG elements; every text is escaped, every coordinate checked (coord()).
class Svg {
public:
    Svg(double width, double height, const std::string& aria_label);
    void line(double x1, double y1, double x2, double y2, const std::string& css_class);
    void rect(double x, double y, double w, double h, const std::string& css_class,
              const std::string& fill = "", const std::string& tooltip = "");
    // fill "none" draws a hollow circle.
    void circle(double cx, double cy, double r, const std::string& css_class, const std::string& fill,
                const std::string& stroke, const std::string& tooltip);
    // anchor: "start", "middle" or "end".
    void text(double x, double y, const std::string& content, const std::string& css_class,
              const std::string& anchor = "start");
    void raw(const std::string& svg_fragment);  // trusted markup made by this file's callers
    std::string str() const;                    // the whole <svg>...</svg>

private:
    double width_, height_;
    std::string aria_label_;
    std::ostringstream body_;
};

// Grid lines, tick marks and labels of a horizontal axis at the frame's bottom
// (labels = tick values with `unit` appended to the axis title).
void x_axis(Svg& svg, const Frame& frame, const Scale& scale, const Ticks& ticks, const std::string& title,
            int decimals = 2);
// The same for a vertical axis at the frame's left.
void y_axis(Svg& svg, const Frame& frame, const Scale& scale, const Ticks& ticks, const std::string& title,
            int decimals = 2);

// The scatter plots of the report (accuracy vs SRAM, vs flash): 396 x 262
// pixels of plot area, the x axis from 0 over the data and the limit with 5 %
// headroom (nice_ticks), the y axis over the accuracies.
constexpr Frame kScatterFrame{480.0, 330.0, 64.0, 20.0, 20.0, 48.0};

}  // namespace tinyformer::toolkit::svg
