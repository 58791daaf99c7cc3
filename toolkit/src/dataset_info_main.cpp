// tf_dataset_info: opens a dataset as the trainer would and prints its size,
// image shape, label histogram and per-channel mean/std (the statistics behind
// Normalization::defaults_for). A quick check of files on a machine.
//   tf_dataset_info fashion-mnist                       (Debian's default path)
//   tf_dataset_info cifar10 /path/cifar-10-batches-bin train
//   tf_dataset_info imagenet32 /path/Imagenet32_val/val_data.npz
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tinyformer/toolkit/dataset.h"

int main(int argc, char** argv)
{
    using namespace tinyformer::toolkit;
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: %s fashion-mnist|cifar10|imagenet32 [dir-or-file] [train|test]\n", argv[0]);
        return 2;
    }
    try {
        const DatasetKind kind = parse_dataset_kind(argv[1]);
        const std::string path = argc > 2 ? argv[2] : "";
        const Split split = argc > 3 ? parse_split(argv[3]) : Split::Train;
        const auto ds = open_dataset(kind, path, split);
        const ImageShape s = ds->image_shape();
        std::printf("%s\n  %s split: %lld images of %dx%dx%d (HWC), %d classes\n", ds->description().c_str(),
                    to_string(split), static_cast<long long>(ds->size()), s.height, s.width, s.channels,
                    ds->num_classes());
        std::vector<int64_t> histogram(static_cast<size_t>(ds->num_classes()));
        std::vector<double> sum(static_cast<size_t>(s.channels)), sum_sq(static_cast<size_t>(s.channels));
        std::vector<uint8_t> image(static_cast<size_t>(s.pixels()));
        for (int64_t i = 0; i < ds->size(); ++i) {
            ++histogram[static_cast<size_t>(ds->label(i))];
            ds->copy_image(i, image.data());
            for (int64_t p = 0; p < s.pixels(); ++p) {
                const double v = image[static_cast<size_t>(p)] / 255.0;
                sum[static_cast<size_t>(p % s.channels)] += v;
                sum_sq[static_cast<size_t>(p % s.channels)] += v * v;
            }
        }
        std::printf("  label histogram:");
        for (size_t c = 0; c < histogram.size() && c < 20; ++c) {
            std::printf(" %zu:%lld", c, static_cast<long long>(histogram[c]));
        }
        std::printf("%s\n", histogram.size() > 20 ? " ..." : "");
        const double per_channel = static_cast<double>(ds->size()) * s.height * s.width;
        for (int32_t c = 0; c < s.channels; ++c) {
            const double mean = sum[static_cast<size_t>(c)] / per_channel;
            const double var = sum_sq[static_cast<size_t>(c)] / per_channel - mean * mean;
            std::printf("  channel %d: mean %.4f std %.4f (of pixel/255)\n", c, mean, std::sqrt(var));
        }
        std::printf("  first labels:");
        for (int64_t i = 0; i < ds->size() && i < 10; ++i) {
            std::printf(" %d", ds->label(i));
        }
        std::printf("\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
