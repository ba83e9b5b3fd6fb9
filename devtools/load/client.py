"""A stdlib HTTP client for the portal, and the driver that runs many of them at once.

No Django here: the driver talks to the portal only over HTTP, like a browser would
(cookies, the CSRF token, the form's one-time token, the redirect to the receipt).
What to submit comes from a `Workload` built by `devtools.load.world`.
"""

import html
import http.client
import random
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

LOGIN_PATH = "/accounts/login/"
FORM_PATH = "/distribution/new/"
RECEIPT_PATH_RE = re.compile(r"^/distribution/log/(\d+)/$")
TOKEN_INPUT_RE = re.compile(r'<input\b[^>]*\bname="token"[^>]*>')
VALUE_RE = re.compile(r'\bvalue="([^"]*)"')
REFUSAL_RE = re.compile(r'id="refusal"[^>]*>(.*?)</div>', re.DOTALL)

SUCCESS = "success"
CONN_ERROR = "conn_error"  # no answer; the outcome names the exception after a colon
FORM_ERROR = "form_error"  # re-rendered without a refusal: a field error
UNKNOWN_REFUSAL = "unknown_refusal"
STALE_CONNECTION_ERRORS = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
)
ERROR_PAUSE = 0.1  # seconds a client waits after an error page, like a person reading it


class LoginFailed(Exception):
    pass


class Response(NamedTuple):
    status: int
    location: str
    body: bytes
    elapsed: float


class PortalClient:
    """One browser: a keep-alive connection and a cookie jar (session, CSRF, messages)."""

    def __init__(self, base_url, timeout=30.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies = {}
        self.resent = 0  # GETs sent again after a stale kept-alive connection
        self._connection = None

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method, path, fields=None):
        """Send one request and read the whole response; raise OSError/HTTPException."""
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self._connection is not None
            if not reused:
                self._connection = http.client.HTTPConnection(self.host, self.port, self.timeout)
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as error:
                self.close()
                # Like a browser: a GET sent on a kept-alive connection that the server
                # had closed meanwhile is sent once more on a new connection. A POST is
                # never resent (its outcome is in doubt).
                stale = isinstance(error, STALE_CONNECTION_ERRORS)
                if not (attempt == 1 and reused and stale and method == "GET"):
                    raise
                self.resent += 1
        elapsed = time.perf_counter() - started
        self._store_cookies(response.msg.get_all("Set-Cookie") or [])
        if response.will_close:
            self.close()
        return Response(response.status, response.getheader("Location", ""), data, elapsed)

    def _store_cookies(self, headers):
        for header in headers:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value

    @property
    def csrf_token(self):
        return self.cookies.get("csrftoken", "")

    def login(self, username, password):
        """Sign in through the login form; raise LoginFailed unless it redirects with a session."""
        page = self.request("GET", LOGIN_PATH)
        if page.status != 200 or not self.csrf_token:
            raise LoginFailed(f"login page: HTTP {page.status}")
        fields = {"username": username, "password": password}
        answer = self.request(
            "POST", LOGIN_PATH, {**fields, "csrfmiddlewaretoken": self.csrf_token}
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(f"login of {username}: HTTP {answer.status}")


def form_token(body):
    """Return the one-time token of a distribution form page, or None."""
    tag = TOKEN_INPUT_RE.search(body.decode("utf-8", "replace"))
    value = VALUE_RE.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


def classify_post(response, messages):
    """Return (outcome, log_id) of a distribution form POST.

    A success is the redirect to the receipt; a refusal is the form shown again
    with the refusal's message, which `messages` maps to its outcome code.
    """
    if response.status == 302:
        match = RECEIPT_PATH_RE.match(urlsplit(response.location).path)
        return (SUCCESS, int(match.group(1))) if match else ("redirect_other", None)
    if response.status == 200:
        match = REFUSAL_RE.search(response.body.decode("utf-8", "replace"))
        if match is None:
            return FORM_ERROR, None
        text = html.unescape(match.group(1)).strip()
        return messages.get(text, UNKNOWN_REFUSAL), None
    return f"http_{response.status}", None


# --- the workload and the driver -------------------------------------------------


@dataclass
class ClientPlan:
    """One client: its login and the packages it distributes (from its own center)."""

    username: str
    password: str
    packages: tuple
    weights: tuple | None = None


@dataclass
class Workload:
    clients: list
    households: list
    messages: dict  # refusal message shown on the form -> outcome code
    inactive_households: list = field(default_factory=list)
    inactive_fraction: float = 0.0
    # After a success, the chance that the client submits the same household and
    # package again (a second visit): the household is no longer eligible.
    repeat_fraction: float = 0.0
    # Every attempt takes a household never used before (the last-units run).
    fresh_households: bool = False


class Event(NamedTuple):
    kind: str  # login, form (GET), post, receipt (GET after a success)
    start: float  # seconds since the load started
    latency: float  # seconds
    status: int  # HTTP status, 0 when the connection failed
    outcome: str
    log_id: int | None = None


@dataclass
class LoadResult:
    clients: int
    seconds: float
    elapsed: float
    events: list
    login_failures: list
    resent_gets: int = 0  # GETs resent once after a stale kept-alive connection

    def of(self, kind):
        return [event for event in self.events if event.kind == kind]

    @property
    def posts(self):
        return self.of("post")

    def outcomes(self, kind="post"):
        return Counter(event.outcome for event in self.of(kind))

    @property
    def seen_successes(self):
        return [event.log_id for event in self.posts if event.outcome == SUCCESS]

    @property
    def requests(self):
        return [event for event in self.events if event.kind != "login"]

    @property
    def requests_per_second(self):
        return len(self.requests) / self.elapsed if self.elapsed else 0.0

    @property
    def posts_per_second(self):
        return len(self.posts) / self.elapsed if self.elapsed else 0.0

    def latency_ms(self, kind, quantile):
        """Latency percentile (1..99) in ms of the requests of `kind` ("all" for every one)."""
        events = self.requests if kind == "all" else self.of(kind)
        return percentile_ms([event.latency for event in events], quantile)

    def statuses(self, kinds=("form", "post", "receipt")):
        return Counter(event.status for event in self.events if event.kind in kinds)


def percentile_ms(latencies, quantile):
    if not latencies:
        return 0.0
    if len(latencies) == 1:
        return 1000 * latencies[0]
    return 1000 * statistics.quantiles(latencies, n=100, method="inclusive")[quantile - 1]


class LoadRun:
    """Log every client in, then drive the form from all of them for `seconds`.

    start() returns once the threads run; `started` is set (and `t0` is the
    time.monotonic() of the start) when the last client has signed in and the
    timed phase begins; join() returns the LoadResult.
    """

    def __init__(self, base_url, workload, *, seconds, max_posts=None, timeout=30.0, seed=None):
        self.base_url = base_url
        self.workload = workload
        self.seconds = seconds
        self.timeout = timeout
        self.seed = seed if seed is not None else random.randrange(2**32)
        self.started = threading.Event()
        self.t0 = None
        self._budget = max_posts
        self._lock = threading.Lock()
        self._fresh = iter(workload.households) if workload.fresh_households else None
        self._barrier = threading.Barrier(len(workload.clients), action=self._go, timeout=600)
        self._events = [[] for _ in workload.clients]
        self._login_failures = []
        self._resent = 0
        self._threads = []
        self._finished_at = None

    def _go(self):
        self.t0 = time.monotonic()
        self.started.set()

    def start(self):
        for index, plan in enumerate(self.workload.clients):
            thread = threading.Thread(
                target=self._client, args=(index, plan), name=f"load-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def join(self):
        for thread in self._threads:
            thread.join()
        finished = time.monotonic()
        elapsed = finished - self.t0 if self.t0 is not None else 0.0
        events = sorted((e for events in self._events for e in events), key=lambda e: e.start)
        return LoadResult(
            clients=len(self.workload.clients),
            seconds=self.seconds,
            elapsed=elapsed,
            events=events,
            login_failures=list(self._login_failures),
            resent_gets=self._resent,
        )

    def run(self):
        return self.start().join()

    # --- inside each client thread ---

    def _take_budget(self):
        with self._lock:
            if self._budget is None:
                return True
            if self._budget <= 0:
                return False
            self._budget -= 1
            return True

    def _next_fresh(self):
        with self._lock:
            return next(self._fresh, None)

    def _pick(self, rng, plan, last_served):
        workload = self.workload
        if last_served is not None and rng.random() < workload.repeat_fraction:
            return last_served
        package = rng.choices(plan.packages, plan.weights)[0]
        if self._fresh is not None:
            return self._next_fresh(), package
        if workload.inactive_households and rng.random() < workload.inactive_fraction:
            return rng.choice(workload.inactive_households), package
        return rng.choice(workload.households), package

    def _client(self, index, plan):
        events = self._events[index]
        client = PortalClient(self.base_url, self.timeout)
        rng = random.Random(self.seed * 1000 + index)
        started = time.monotonic()
        try:
            client.login(plan.username, plan.password)
            client.close()  # waiting for the others would leave it idle past keep-alive
            events.append(Event("login", 0.0, time.monotonic() - started, 302, "ok"))
        except (LoginFailed, OSError, http.client.HTTPException) as error:
            self._login_failures.append(f"{plan.username}: {error}")
            client = None
        try:
            self._barrier.wait()
        except threading.BrokenBarrierError:
            return
        if client is None:
            return
        try:
            self._drive(client, plan, rng, events)
        finally:
            client.close()
            with self._lock:
                self._resent += client.resent

    def _drive(self, client, plan, rng, events):
        t0, stop = self.t0, self.t0 + self.seconds
        messages = self.workload.messages
        last_served = None

        def send(kind, method, path, fields=None):
            began = time.monotonic()
            try:
                response = client.request(method, path, fields)
            except (OSError, http.client.HTTPException) as error:
                outcome = f"{CONN_ERROR}:{type(error).__name__}"
                events.append(Event(kind, began - t0, time.monotonic() - began, 0, outcome))
                return None
            return began, response

        while time.monotonic() < stop:
            sent = send("form", "GET", FORM_PATH)
            if sent is None:
                time.sleep(ERROR_PAUSE)
                continue
            began, page = sent
            token = form_token(page.body) if page.status == 200 else None
            outcome = (
                "ok" if token else (f"http_{page.status}" if page.status != 200 else "no_token")
            )
            events.append(Event("form", began - t0, page.elapsed, page.status, outcome))
            if token is None:
                time.sleep(ERROR_PAUSE)
                continue
            household, package = self._pick(rng, plan, last_served)
            if household is None or not self._take_budget():
                return
            fields = {
                "csrfmiddlewaretoken": client.csrf_token,
                "household": household,
                "package": package,
                "quantity": 1,
                "token": token,
            }
            sent = send("post", "POST", FORM_PATH, fields)
            if sent is None:
                time.sleep(ERROR_PAUSE)
                continue
            began, answer = sent
            outcome, log_id = classify_post(answer, messages)
            events.append(Event("post", began - t0, answer.elapsed, answer.status, outcome, log_id))
            if answer.status >= 500:
                time.sleep(ERROR_PAUSE)
                continue
            if outcome == SUCCESS:
                last_served = (household, package)
                sent = send("receipt", "GET", urlsplit(answer.location).path)
                if sent is not None:
                    began, receipt = sent
                    status = receipt.status
                    events.append(
                        Event(
                            "receipt",
                            began - t0,
                            receipt.elapsed,
                            status,
                            "ok" if status == 200 else f"http_{status}",
                        )
                    )
