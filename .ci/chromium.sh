# Sourced by .ci/run: Debian's chromium for the browser tests (tests/test_browser.py).
# Playwright drives it through executable_path; its own browser download
# cannot work on an offline machine, so it is never attempted.
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
export FICDEX_CHROMIUM="${FICDEX_CHROMIUM:-$(command -v chromium)}"
