// Content negotiation and conditional requests (RFC 9110 sections 12 and 13), for responses
// that come in more than one form or are cached by browsers.
#pragma once

#include <string_view>

namespace swha::http {

// True when an Accept header ranks text/html above application/json: a browser navigating to
// the page. False with no header, "*/*" or a tie, so API clients keep getting the JSON they
// always got. Each type takes the quality of its most specific matching range
// (text/html, then text/*, then */*).
bool PrefersHtml(std::string_view accept);

// Whether If-None-Match ("*" or a list of entity tags) names `etag`, by weak comparison as
// RFC 9110 section 13.1.2 asks: W/"x" and "x" match.
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

}  // namespace swha::http
