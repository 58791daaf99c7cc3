#include "tinyformer/toolkit/dataset_split.h"

#include <algorithm>
#include <cmath>

#include "dataset_io.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices, std::string name)
    : base_(std::move(base)), indices_(std::move(indices)), name_(std::move(name))
{
    TF_CHECK(base_ != nullptr, "subset '", name_, "': no base dataset");
    for (size_t i = 0; i < indices_.size(); ++i) {
        TF_CHECK(indices_[i] >= 0 && indices_[i] < base_->size(), "subset '", name_, "': index ", indices_[i],
                 " (entry ", i, ") is outside ", base_->description(), " of ", base_->size(), " images");
    }
}

void SubsetDataset::copy_image(int64_t i, uint8_t* hwc) const
{
    check_index(i);
    base_->copy_image(indices_[static_cast<size_t>(i)], hwc);
}

int32_t SubsetDataset::label(int64_t i) const
{
    check_index(i);
    return base_->label(indices_[static_cast<size_t>(i)]);
}

std::string SubsetDataset::description() const
{
    return name_ + " (" + std::to_string(size()) + " of " + base_->description() + ")";
}

TrainValidation split_train_validation(std::shared_ptr<const Dataset> base, double validation_fraction, uint64_t seed)
{
    TF_CHECK(base != nullptr, "train/validation split: no dataset");
    TF_CHECK(validation_fraction >= 0.0 && validation_fraction < 1.0, "train/validation split of ",
             base->description(), ": validation fraction ", validation_fraction, " must be in [0, 1)");
    const int64_t n = base->size();
    const auto validation_count = static_cast<int64_t>(std::llround(validation_fraction * static_cast<double>(n)));
    const std::vector<int64_t> order = detail::permutation(n, detail::derive_seed(seed, 0x5117));
    std::vector<int64_t> validation(order.begin(), order.begin() + validation_count);
    std::vector<int64_t> train(order.begin() + validation_count, order.end());
    std::sort(validation.begin(), validation.end());
    std::sort(train.begin(), train.end());
    TrainValidation out;
    out.train = std::make_shared<SubsetDataset>(base, std::move(train), "train split");
    out.validation = std::make_shared<SubsetDataset>(base, std::move(validation), "validation split");
    return out;
}

}  // namespace tinyformer::toolkit
