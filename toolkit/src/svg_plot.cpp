#include "svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit::svg {

std::string html_escape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

namespace {
std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string s = buffer;
    // "-0.0" reads as a negative coordinate to a diff; it is zero.
    if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') {
        s.erase(0, 1);
    }
    return s;
}
}  // namespace

std::string coord(double value)
{
    TF_INTERNAL_ASSERT(std::isfinite(value));
    return fixed(value, 1);
}

std::string number(double value, int decimals)
{
    TF_INTERNAL_ASSERT(std::isfinite(value));
    std::string s = fixed(value, decimals);
    if (s.find('.') != std::string::npos) {
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') {
            s.pop_back();
        }
    }
    return s == "-0" ? "0" : s;
}

Ticks nice_ticks(double lo, double hi, int max_intervals)
{
    TF_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, "axis range [", lo, ", ", hi,
             "]: the ends must be finite and lo <= hi");
    TF_CHECK(max_intervals >= 1, "axis: max_intervals = ", max_intervals, " must be >= 1");
    if (lo == hi) {
        const double half = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.1;
        lo -= half;
        hi += half;
    }
    // Start one decade below the step that would give exactly max_intervals, so every candidate is tried.
    double magnitude = std::pow(10.0, std::floor(std::log10((hi - lo) / max_intervals)) - 1.0);
    for (;;) {
        for (const double m : {1.0, 2.0, 5.0}) {
            const double step = m * magnitude;
            // The epsilon keeps a data end lying on a grid line (up to rounding) from adding an interval.
            const double first = std::floor(lo / step + 1e-9);
            const double last = std::ceil(hi / step - 1e-9);
            if (last - first <= max_intervals) {
                Ticks t;
                t.step = step;
                t.lo = first * step;
                t.hi = last * step;
                for (double k = first; k <= last; k += 1.0) {
                    t.values.push_back(k * step);  // k * step, not a running sum: no drift
                }
                return t;
            }
        }
        magnitude *= 10.0;
    }
}

double Scale::operator()(double value) const
{
    if (domain_hi == domain_lo) {
        return (range_lo + range_hi) / 2.0;
    }
    return range_lo + (value - domain_lo) / (domain_hi - domain_lo) * (range_hi - range_lo);
}

Svg::Svg(double width, double height, const std::string& aria_label)
    : width_(width), height_(height), aria_label_(aria_label)
{
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& css_class)
{
    body_ << "<line class=\"" << html_escape(css_class) << "\" x1=\"" << coord(x1) << "\" y1=\"" << coord(y1)
          << "\" x2=\"" << coord(x2) << "\" y2=\"" << coord(y2) << "\"/>\n";
}

void Svg::rect(double x, double y, double w, double h, const std::string& css_class, const std::string& fill,
               const std::string& tooltip)
{
    body_ << "<rect class=\"" << html_escape(css_class) << "\" x=\"" << coord(x) << "\" y=\"" << coord(y)
          << "\" width=\"" << coord(std::max(0.0, w)) << "\" height=\"" << coord(std::max(0.0, h)) << "\"";
    if (!fill.empty()) {
        body_ << " fill=\"" << html_escape(fill) << "\"";
    }
    if (tooltip.empty()) {
        body_ << "/>\n";
    } else {
        body_ << "><title>" << html_escape(tooltip) << "</title></rect>\n";
    }
}

void Svg::circle(double cx, double cy, double r, const std::string& css_class, const std::string& fill,
                 const std::string& stroke, const std::string& tooltip)
{
    body_ << "<circle class=\"" << html_escape(css_class) << "\" cx=\"" << coord(cx) << "\" cy=\"" << coord(cy)
          << "\" r=\"" << coord(r) << "\" fill=\"" << html_escape(fill) << "\" stroke=\"" << html_escape(stroke)
          << "\"><title>" << html_escape(tooltip) << "</title></circle>\n";
}

void Svg::text(double x, double y, const std::string& content, const std::string& css_class,
               const std::string& anchor)
{
    body_ << "<text class=\"" << html_escape(css_class) << "\" x=\"" << coord(x) << "\" y=\"" << coord(y)
          << "\" text-anchor=\"" << html_escape(anchor) << "\">" << html_escape(content) << "</text>\n";
}

void Svg::raw(const std::string& svg_fragment) { body_ << svg_fragment; }

std::string Svg::str() const
{
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(width_) + " " + coord(height_) +
           "\" width=\"" + coord(width_) + "\" role=\"img\" aria-label=\"" + html_escape(aria_label_) + "\">\n" +
           body_.str() + "</svg>\n";
}

void x_axis(Svg& svg, const Frame& frame, const Scale& scale, const Ticks& ticks, const std::string& title,
            int decimals)
{
    for (const double v : ticks.values) {
        const double x = scale(v);
        svg.line(x, frame.plot_top(), x, frame.plot_bottom(), "grid");
        svg.text(x, frame.plot_bottom() + 15.0, number(v, decimals), "tick", "middle");
    }
    svg.line(frame.plot_left(), frame.plot_bottom(), frame.plot_right(), frame.plot_bottom(), "axis");
    svg.text((frame.plot_left() + frame.plot_right()) / 2.0, frame.height - 6.0, title, "axis-title", "middle");
}

void y_axis(Svg& svg, const Frame& frame, const Scale& scale, const Ticks& ticks, const std::string& title,
            int decimals)
{
    for (const double v : ticks.values) {
        const double y = scale(v);
        svg.line(frame.plot_left(), y, frame.plot_right(), y, "grid");
        svg.text(frame.plot_left() - 6.0, y + 4.0, number(v, decimals), "tick", "end");
    }
    svg.line(frame.plot_left(), frame.plot_top(), frame.plot_left(), frame.plot_bottom(), "axis");
    const double cx = 14.0, cy = (frame.plot_top() + frame.plot_bottom()) / 2.0;
    svg.raw("<text class=\"axis-title\" text-anchor=\"middle\" transform=\"translate(" + coord(cx) + " " +
            coord(cy) + ") rotate(-90)\">" + html_escape(title) + "</text>\n");
}

}  // namespace tinyformer::toolkit::svg
