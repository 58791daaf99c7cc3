// Views on a dataset: a subset by indices, and the deterministic
// train/validation split cut from a published training split.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tinyformer/toolkit/dataset.h"

namespace tinyformer::toolkit {

// The images base[indices[0]], base[indices[1]], ... without copying pixels;
// keeps `base` alive.
class SubsetDataset final : public Dataset {
public:
    SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices, std::string name);

    int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
    ImageShape image_shape() const override { return base_->image_shape(); }
    int32_t num_classes() const override { return base_->num_classes(); }
    void copy_image(int64_t i, uint8_t* hwc) const override;
    int32_t label(int64_t i) const override;
    std::string description() const override;

    const std::vector<int64_t>& indices() const { return indices_; }  // into base, ascending for splits

private:
    std::shared_ptr<const Dataset> base_;
    std::vector<int64_t> indices_;
    std::string name_;
};

struct TrainValidation {
    std::shared_ptr<const SubsetDataset> train;
    std::shared_ptr<const SubsetDataset> validation;
};

// Puts round(validation_fraction * size) images, chosen by a permutation
// seeded with `seed`, in `validation` and the rest in `train`; both keep the
// base order (ascending indices). The same (size, fraction, seed) always gives
// the same split, on every platform. validation_fraction in [0, 1).
TrainValidation split_train_validation(std::shared_ptr<const Dataset> base, double validation_fraction, uint64_t seed);

}  // namespace tinyformer::toolkit
