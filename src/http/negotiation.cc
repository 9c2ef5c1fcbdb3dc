#include "http/negotiation.h"

#include <cctype>
#include <charconv>
#include <string>

namespace swha::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Calls on_item for each comma-separated item of a header list, trimmed and non-empty.
template <typename F>
void ForEachListItem(std::string_view list, F on_item) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) on_item(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// The "q" parameter of a media range's parameters (";q=0.5;level=1"): 1 when absent, 0 when
// malformed (a range that cannot be read should not win).
double Quality(std::string_view parameters) {
  while (!parameters.empty()) {
    const size_t semicolon = parameters.find(';');
    const std::string_view parameter = Trim(parameters.substr(0, semicolon));
    if (parameter.size() >= 2 && EqualsIgnoreCase(parameter.substr(0, 2), "q=")) {
      const std::string_view value = parameter.substr(2);
      double q = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      if (ec != std::errc() || end != value.data() + value.size() || q < 0 || q > 1) return 0;
      return q;
    }
    if (semicolon == std::string_view::npos) break;
    parameters.remove_prefix(semicolon + 1);
  }
  return 1;
}

// The quality Accept gives `type`/`subtype`: that of the most specific matching range, or 0.
double QualityOf(std::string_view accept, std::string_view type, std::string_view subtype) {
  int best_specificity = -1;
  double quality = 0;
  ForEachListItem(accept, [&](std::string_view range) {
    const size_t semicolon = range.find(';');
    const std::string_view media = Trim(range.substr(0, semicolon));
    const std::string_view parameters =
        semicolon == std::string_view::npos ? std::string_view() : range.substr(semicolon + 1);
    const size_t slash = media.find('/');
    if (slash == std::string_view::npos) return;
    const std::string_view range_type = media.substr(0, slash);
    const std::string_view range_subtype = media.substr(slash + 1);
    int specificity = -1;
    if (EqualsIgnoreCase(range_type, type) && EqualsIgnoreCase(range_subtype, subtype)) {
      specificity = 2;
    } else if (EqualsIgnoreCase(range_type, type) && range_subtype == "*") {
      specificity = 1;
    } else if (range_type == "*" && range_subtype == "*") {
      specificity = 0;
    }
    if (specificity > best_specificity) {
      best_specificity = specificity;
      quality = Quality(parameters);
    }
  });
  return quality;
}

// An entity tag without its weakness prefix: W/"x" → "x".
std::string_view Opaque(std::string_view tag) {
  return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag;
}

}  // namespace

bool PrefersHtml(std::string_view accept) {
  return QualityOf(accept, "text", "html") > QualityOf(accept, "application", "json");
}

bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag) {
  bool hit = false;
  ForEachListItem(if_none_match, [&](std::string_view tag) {
    hit = hit || tag == "*" || Opaque(tag) == Opaque(etag);
  });
  return hit;
}

}  // namespace swha::http
