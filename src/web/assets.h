// Files compiled into the binary (the web page, Swagger UI for the API docs), looked up by URL path
// and served without touching the filesystem, so what a browser gets is exactly what was built and
// tested. Each set is a table generated at build time by scripts/embed_assets.py through
// CMake's swha_embed_assets (cmake/embed_assets.cmake).
#pragma once

#include <span>
#include <string_view>

namespace swha::web {

struct Asset {
  std::string_view path;          // the URL path: "/ui/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // strong and quoted, from the SHA-256 of `bytes`
  std::string_view bytes;
};

// A generated table, sorted by path. Constant data: thread-safe, valid for the whole program.
class AssetSet {
 public:
  constexpr explicit AssetSet(std::span<const Asset> sorted_by_path) : assets_(sorted_by_path) {}

  // The asset at exactly `path`, or nullptr.
  const Asset* Find(std::string_view path) const;
  std::span<const Asset> all() const { return assets_; }

 private:
  std::span<const Asset> assets_;
};

// web/ at /ui/: the page GET / gives browsers (CMakeLists.txt, swha_web_page).
AssetSet PageAssets();
// npm's swagger-ui-dist at /docs/ (swha_swagger_ui); web/api-docs.html and api-docs.js start
// it for /docs.
AssetSet SwaggerUiAssets();

}  // namespace swha::web
