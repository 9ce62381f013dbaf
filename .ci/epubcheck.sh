# Sourced by .ci/run: Debian's epubcheck, which the EPUB export test validates
# with (the test skips, saying so, when the jar is absent).
if [ ! -f /usr/share/java/epubcheck.jar ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends epubcheck >/dev/null ||
    echo "epubcheck could not be installed; the EPUB validation test will skip" >&2
fi
