// The pieces of the search report (search_report.h): number formats shared by
// the page and its plots, and the plots themselves (search_report_plots.cpp),
// each an inline <svg> element.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinyformer/toolkit/search_report.h"

namespace tinyformer::toolkit::report {

std::string kb(int64_t bytes);                        // KB (1024 bytes), one decimal: "123.4"
std::string grouped(int64_t n);                       // "1,234,567"
std::string percent(std::optional<double> fraction);  // "81.20 %" (two decimals), or "–" when absent / not finite

// Stages in order of first appearance in the candidates, and each one's colour.
std::vector<std::string> stage_order(const std::vector<SearchRecord>& candidates);
std::string stage_colour(size_t stage_index);

// What a candidate scores on the plots' y axis: int8 accuracy, else the score; absent when neither is finite.
std::optional<double> plotted_accuracy(const SearchRecord& record);
// Over a limit of the target, or recorded as infeasible (drawn hollow).
bool is_infeasible(const SearchRecord& record, const McuTarget& target);

// Accuracy against peak SRAM (`flash` false) or against flash, every candidate
// with that resource one <circle class="candidate">, the limit the model may use
// one <line class="limit">, the chosen model one <circle class="chosen">.
std::string candidate_scatter(const SearchReport& report, bool flash);
// The chosen model's layers: arena live (output, scratch, other), flash, instructions (or MACs).
std::string layer_bars(const SearchReport& report);
// The chosen config's prunable layers: rho and block size.
std::string sparsity_bars(const ArchConfig& config);

}  // namespace tinyformer::toolkit::report
