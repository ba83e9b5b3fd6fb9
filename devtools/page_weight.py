"""How many bytes a page costs a phone on a slow connection.

A cold visit downloads the HTML and every stylesheet and script it links; a warm one
(every later page: static files are cached for a year under hashed names) only the
HTML. Sizes are gzip-compressed as WhiteNoise serves them, so the numbers are what
travels over the air. Used by `bench.page_weight` (tables) and the budget test.
"""

import gzip
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.staticfiles import finders

# The budget, gzipped bytes. Cold: the login page with Bootstrap, htmx and the
# portal's stylesheet (about 48 KiB today in every language). Warm: any later page's
# HTML with a full page of rows (about 3 to 8 KiB today). Adding a library or a heavy
# page has to move these numbers on purpose.
COLD_LOGIN_BUDGET = 56 * 1024
WARM_PAGE_BUDGET = 14 * 1024

ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(?P<url>[^"]+)"')


def gzipped(data):
    return len(gzip.compress(data, compresslevel=9, mtime=0))


@dataclass
class PageWeight:
    path: str
    html: int
    assets: dict = field(default_factory=dict)  # static path -> gzipped bytes

    @property
    def warm(self):
        return self.html

    @property
    def cold(self):
        return self.html + sum(self.assets.values())


def static_assets(content):
    """Static files an HTML page links (stylesheets, scripts, icons), relative paths."""
    found = []
    for match in ASSET.finditer(content):
        url = match.group("url").split("?")[0]
        if url.startswith(settings.STATIC_URL):
            found.append(url[len(settings.STATIC_URL) :])
    return found


def measure(client, path, **headers):
    """GET `path` with the Django test client; the page and its linked static files."""
    response = client.get(path, **headers)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    content = response.content
    weight = PageWeight(path=path, html=gzipped(content))
    for asset in static_assets(content.decode()):
        # CompressedManifestStaticFilesStorage adds a hash to the name; the finders
        # know the source file by its plain name.
        plain = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", asset)
        source = finders.find(plain)
        if source is None:
            raise LookupError(f"{path} links {asset}, which no static finder knows")
        with open(source, "rb") as file:
            weight.assets[plain] = gzipped(file.read())
    return weight
