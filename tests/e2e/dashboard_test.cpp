// The web dashboard as the real binary serves it: the page and every file it loads (found by
// following the page's links and the scripts' imports, so a file missing from the build's list
// fails here), the security headers (CSP on the dashboard, nosniff everywhere), conditional
// requests, methods, and the schedule description that the dashboard shows for tasks.

#include <gtest/gtest.h>

#include <deque>
#include <regex>
#include <set>
#include <string>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

class DashboardTest : public E2eTest {
 protected:
  HttpResponse Get(std::string_view target, const HeaderList& headers = {}) {
    auto r = server_->Call("GET", target, {}, headers);
    EXPECT_TRUE(r.ok()) << target << ": " << r.status().message();
    return r.ok() ? *r : HttpResponse{};
  }

  static std::string HeaderOr(const HttpResponse& r, std::string_view name) {
    const std::string* value = r.Header(name);
    return value == nullptr ? "<absent>" : *value;
  }

  // The policy's directives as "name value..." strings.
  static std::set<std::string> Directives(const std::string& policy) {
    std::set<std::string> out;
    size_t start = 0;
    while (start <= policy.size()) {
      size_t end = policy.find(';', start);
      if (end == std::string::npos) end = policy.size();
      std::string d = policy.substr(start, end - start);
      while (!d.empty() && d.front() == ' ') d.erase(d.begin());
      while (!d.empty() && d.back() == ' ') d.pop_back();
      if (!d.empty()) out.insert(d);
      start = end + 1;
    }
    return out;
  }

  // Every dashboard response: the restrictive policy and the other browser protections.
  static void ExpectDashboardHeaders(const HttpResponse& r, std::string_view what) {
    const std::string policy = HeaderOr(r, "content-security-policy");
    const std::set<std::string> d = Directives(policy);
    for (const char* needed :
         {"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
          "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'"}) {
      EXPECT_TRUE(d.contains(needed)) << what << " lacks " << needed << " in: " << policy;
    }
    EXPECT_EQ(policy.find("unsafe-"), std::string::npos) << what << ": " << policy;
    EXPECT_EQ(HeaderOr(r, "x-content-type-options"), "nosniff") << what;
    EXPECT_EQ(HeaderOr(r, "x-frame-options"), "DENY") << what;
    EXPECT_EQ(HeaderOr(r, "referrer-policy"), "no-referrer") << what;
    EXPECT_EQ(HeaderOr(r, "cache-control"), "no-cache") << what;
    const std::string etag = HeaderOr(r, "etag");
    EXPECT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << what << etag;
  }
};

TEST_F(DashboardTest, RootServesThePageWithItsSecurityHeaders) {
  HttpResponse r = Get("/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(HeaderOr(r, "content-type"), "text/html; charset=utf-8");
  ExpectDashboardHeaders(r, "/");
  EXPECT_NE(r.body.find("<!doctype html>"), std::string::npos);
  EXPECT_NE(r.body.find(R"(<script type="module" src="/assets/app.js"></script>)"),
            std::string::npos);
  // The policy forbids inline code, so the page must have none: every script has a src, and
  // there are no style attributes, style elements or event-handler attributes.
  const std::regex inline_script(R"(<script(?![^>]*\ssrc=)[^>]*>)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(r.body, inline_script));
  EXPECT_FALSE(std::regex_search(r.body, std::regex(R"(\sstyle=|<style|\son[a-z]+=)")));

  HttpResponse index = Get("/index.html");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.body, r.body);
  EXPECT_EQ(HeaderOr(index, "etag"), HeaderOr(r, "etag"));
}

TEST_F(DashboardTest, EveryFileThePageLoadsIsServedWithItsType) {
  const std::regex page_ref(R"re((?:src|href)="(/[^"]*)")re");
  const std::regex import_ref(R"re((?:from|import)\s*'\./([^']+)')re");
  std::deque<std::string> queue = {"/"};
  std::set<std::string> seen = {"/"};
  size_t scripts = 0;
  while (!queue.empty()) {
    const std::string path = queue.front();
    queue.pop_front();
    HttpResponse r = Get(path);
    ASSERT_EQ(r.status, 200) << path << " is referenced but answers " << r.status;
    ExpectDashboardHeaders(r, path);
    EXPECT_FALSE(r.body.empty()) << path;
    const std::string type = HeaderOr(r, "content-type");
    auto add = [&](const std::string& target) {
      if (seen.insert(target).second) queue.push_back(target);
    };
    if (path == "/") {
      EXPECT_EQ(type, "text/html; charset=utf-8");
      for (std::sregex_iterator it(r.body.begin(), r.body.end(), page_ref), end; it != end; ++it) {
        add((*it)[1].str());
      }
    } else if (path.ends_with(".js")) {
      EXPECT_EQ(type, "text/javascript; charset=utf-8") << path;
      ++scripts;
      // Modules import their siblings by relative path.
      const std::string dir = path.substr(0, path.rfind('/') + 1);
      for (std::sregex_iterator it(r.body.begin(), r.body.end(), import_ref), end; it != end;
           ++it) {
        add(dir + (*it)[1].str());
      }
      // Data reaches the page as text; markup parsing of strings would be an XSS hole.
      EXPECT_EQ(r.body.find("innerHTML"), std::string::npos) << path;
      EXPECT_EQ(r.body.find("insertAdjacentHTML"), std::string::npos) << path;
    } else if (path.ends_with(".css")) {
      EXPECT_EQ(type, "text/css; charset=utf-8") << path;
    } else if (path.ends_with(".svg")) {
      EXPECT_EQ(type, "image/svg+xml") << path;
    } else {
      ADD_FAILURE() << "unexpected file type: " << path;
    }
  }
  // The page, its stylesheet and icon, and the entry module with its pages.
  EXPECT_GE(scripts, 8u);
  EXPECT_TRUE(seen.contains("/assets/app.css"));
  EXPECT_TRUE(seen.contains("/assets/favicon.svg"));
}

TEST_F(DashboardTest, HeadAndConditionalRequests) {
  HttpResponse full = Get("/assets/app.js");
  ASSERT_EQ(full.status, 200);
  const std::string etag = HeaderOr(full, "etag");

  auto head = server_->Call("HEAD", "/assets/app.js");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(HeaderOr(*head, "content-length"), std::to_string(full.body.size()));
  EXPECT_EQ(HeaderOr(*head, "etag"), etag);

  for (const std::string& condition : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    HttpResponse cached = Get("/assets/app.js", {{"If-None-Match", condition}});
    EXPECT_EQ(cached.status, 304) << condition;
    EXPECT_TRUE(cached.body.empty()) << condition;
    EXPECT_EQ(HeaderOr(cached, "etag"), etag) << condition;
    EXPECT_EQ(HeaderOr(cached, "x-content-type-options"), "nosniff");
  }
  HttpResponse stale = Get("/assets/app.js", {{"If-None-Match", "\"not-this-one\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, full.body);
  // Files differ, so their validators do.
  EXPECT_NE(HeaderOr(Get("/assets/app.css"), "etag"), etag);
}

TEST_F(DashboardTest, MethodsAndUnknownFiles) {
  for (const char* path : {"/", "/index.html", "/assets/app.js"}) {
    for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
      auto r = server_->Call(method, path, "{}", {{"Content-Type", "application/json"}});
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->status, 405) << method << " " << path;
      EXPECT_EQ(HeaderOr(*r, "allow"), "GET, HEAD, OPTIONS") << method << " " << path;
    }
    auto preflight = server_->Call("OPTIONS", path);
    ASSERT_TRUE(preflight.ok());
    EXPECT_EQ(preflight->status, 200) << path;
  }
  for (const char* path : {"/assets/missing.js", "/assets/", "/assets/../index.html",
                           "/assets/app.js.map", "/index.htm", "/app.js"}) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(ParseJson(r.body), ErrorJson("Not found")) << path;
    EXPECT_EQ(HeaderOr(r, "x-content-type-options"), "nosniff") << path;
  }
  // A query string does not change which file is served.
  EXPECT_EQ(Get("/?v=1").status, 200);
}

TEST_F(DashboardTest, ApiAnswersCarryNosniffButNotTheDashboardPolicy) {
  for (const char* path : {"/api/tasks", "/healthz", "/openapi.json", "/nowhere"}) {
    ApiResponse r = Api("GET", path);
    EXPECT_EQ(HeaderOr(r.http, "x-content-type-options"), "nosniff") << path;
    EXPECT_EQ(r.http.Header("content-security-policy"), nullptr) << path;
  }
}

TEST_F(DashboardTest, TasksCarryTheServersScheduleDescription) {
  json::object task = CreateTask({{"schedule", "0 9 * * 4"}, {"timezone", "America/New_York"}});
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(task.at("schedule_description"), "At 09:00 on Thursday");
  const std::string id(task.at("id").as_string());

  ApiResponse changed =
      Api("PATCH", "/api/tasks",
          json::serialize(json::object{{"id", id}, {"schedule", "*/15 * * * *"}}));
  ASSERT_EQ(changed.status, 200) << changed.http.body;
  EXPECT_EQ(changed.json.at("tasks").at(0).at("schedule_description"), "Every 15 minutes");
  json::array listed = ListTasks("id=" + id);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("schedule_description"), "Every 15 minutes");

  // Output only: a body that names it is refused like any unknown key.
  ApiResponse refused =
      Api("PATCH", "/api/tasks",
          json::serialize(json::object{{"id", id}, {"schedule_description", "Every day"}}));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.json, ErrorJson("Unrecognized key: \"schedule_description\"", {}));
}

}  // namespace
}  // namespace backbeat::testing
