#include "web/assets.h"

#include <algorithm>

namespace swha::web {

const Asset* AssetSet::Find(std::string_view path) const {
  const auto it = std::lower_bound(assets_.begin(), assets_.end(), path,
                                   [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != assets_.end() && it->path == path ? &*it : nullptr;
}

}  // namespace swha::web
