#!/usr/bin/python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""The console in a real browser: console_browser.py SPEC.json

Drives Debian's headless Chromium (chromium-driver, python3-selenium)
against a running relaisd whose console t_console_browser.sh started, and
checks what a coordinator does with it: log in with the keyboard alone,
read the seeded month's figures, open a dead letter, replay it and see the
delivery reach the sink; and what must be refused: another territory (403),
a POST without its CSRF token (403), a viewer's change (403), a password
guessed again and again (429). Saves a screenshot of each page in
SPEC["out"]. Waits are explicit (WebDriverWait, deadlines), never sleeps.

SPEC (JSON, written by the scenario):
  base      http://127.0.0.1:PORT
  out       directory for screenshots (and the page of a failure)
  profile   a fresh Chromium profile directory
  sink      the sink's record (JSON lines) the replayed delivery lands in
  rcli      argv prefix of redis-cli on the scenario's Redis
  prefix    the Redis key prefix ("relais:")
  users     {"region": [name, password], "abitibi": [...], "viewer": [...],
             "victim": [...]}
  month     YYYY-MM of the seeded figures
  figures   {territory id: {"name": display name, "arrivals": N}}
  other     a territory the abitibi coordinator may not see
  dead      {"id": stream id, "event_id": ..., "role": whose message,
             "addresses": [what the letter's page must not show]}
  address   an address to check on the opt-outs page
  ctl       argv prefix of relaisctl on the scenario's config and Redis
  relaisd_pid, relaisd_log   the daemon, for a reload (SIGHUP)

CHROMIUM and CHROMEDRIVER in the environment name other binaries than
Debian's /usr/bin/chromium and /usr/bin/chromedriver.

Exit status: 0 all held, 1 a check failed (its step, what was expected
and what came are printed), 77 the browser cannot run here (the reason is
printed; the scenario reports it as a skip).
"""
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

WAIT_S = 30		# one page or one element on a loaded 2-core machine
W, H = 1280, 800	# the screenshots' size (README's images)

SPEC = json.load(open(sys.argv[1]))
BASE = SPEC["base"]
OUT = SPEC["out"]
STEP = ["start"]
TIDY_SAID = []


class Failed(Exception):
	pass


def say(msg):
	print(msg, flush=True)


def step(name):
	STEP[0] = name
	say("-- " + name)


def check(cond, what):
	if not cond:
		raise Failed(what)


def eq(got, want, what):
	if got != want:
		raise Failed("%s: expected %r, got %r" % (what, want, got))


def deadline_wait(secs, what, fn):
	"""Polls fn until it returns a true value (returned), or fails."""
	end = time.monotonic() + secs
	while True:
		v = fn()
		if v:
			return v
		if time.monotonic() >= end:
			raise Failed("timed out after %ds waiting for %s" % (secs, what))
		time.sleep(0.05)


# ---- the browser

def browser():
	"""A headless Chromium with a fresh profile, or exit 77 saying why."""
	try:
		from selenium import webdriver
		from selenium.webdriver.chrome.service import Service
	except ImportError as e:
		say("SKIP: python3-selenium is not installed (%s)" % e)
		sys.exit(77)
	chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
	driver = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
	for path in (chromium, driver):
		if not os.access(path, os.X_OK):
			say("SKIP: %s is missing (tests/deps.sh installs "
			    "chromium and chromium-driver)" % path)
			sys.exit(77)
	# Chromium writes under $HOME; a CI's environment may have none
	os.environ.setdefault("HOME", SPEC["profile"])
	opts = webdriver.ChromeOptions()
	opts.binary_location = chromium
	for a in ("--headless=new", "--disable-gpu", "--disable-extensions",
		  "--disable-dev-shm-usage", "--no-first-run",
		  "--password-store=basic", "--lang=fr-CA",
		  "--window-size=%d,%d" % (W, H),
		  "--user-data-dir=" + SPEC["profile"]):
		opts.add_argument(a)
	if os.geteuid() == 0:
		# Chromium refuses to run as root inside its sandbox
		opts.add_argument("--no-sandbox")
	svc = Service(driver,
	    log_path=os.path.join(OUT, "chromedriver.log"))
	err = None
	# a first start on a loaded machine can be slow: a second chance
	# before calling the browser unusable
	for _ in range(2):
		try:
			d = webdriver.Chrome(service=svc, options=opts)
			break
		except Exception as e:	# noqa: BLE001 (any reason: say it)
			err = e
	else:
		say("SKIP: headless Chromium cannot start here: %s" %
		    str(err).strip().splitlines()[0])
		sys.exit(77)
	d.set_page_load_timeout(WAIT_S)
	d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
	    "width": W, "height": H, "deviceScaleFactor": 1, "mobile": False})
	return d


def by_css(sel):
	from selenium.webdriver.common.by import By
	return (By.CSS_SELECTOR, sel)


def wait_css(d, sel, what=None):
	from selenium.webdriver.support import expected_conditions as ec
	from selenium.webdriver.support.ui import WebDriverWait
	try:
		return WebDriverWait(d, WAIT_S).until(
		    ec.presence_of_element_located(by_css(sel)))
	except Exception:
		raise Failed("no %s on %s%s" % (sel, d.current_url,
		    " (" + what + ")" if what else ""))


def find(d, sel):
	els = d.find_elements(*by_css(sel))
	return els[0] if els else None


def page_text(d, sel="body"):
	el = find(d, sel)
	return el.text if el is not None else ""


def shot(d, name, focus=None, validate=True):
	"""
	A screenshot of the viewport (focus: scrolled to that element), and
	the page's HTML through tidy.
	"""
	if validate:
		u = urllib.parse.urlsplit(d.current_url)
		valid_html(d, u.path + ("?" + u.query if u.query else ""))
	if focus is not None and find(d, focus) is not None:
		d.execute_script("document.querySelector(arguments[0])"
		    ".scrollIntoView({block: 'center'})", focus)
	out = os.path.join(OUT, "console-%s.png" % name)
	d.save_screenshot(out)
	say("screenshot %s" % out)


def go(d, path):
	d.get(BASE + path)


def common_layout(d, what):
	"""What every page has: a language, a <main>, a nav, the logout form."""
	lang = d.find_element(*by_css("html")).get_attribute("lang")
	check(lang in ("fr", "en"), "%s: <html lang> is %r" % (what, lang))
	check(find(d, "main") is not None, "%s: no <main>" % what)
	check(find(d, "nav") is not None, "%s: no <nav>" % what)
	check(find(d, "form[action='/logout'] input[name=csrf]") is not None,
	    "%s: no logout form with its CSRF field" % what)
	# usable without JavaScript: there is none
	check(find(d, "script") is None, "%s: a <script>" % what)


def wait_page_change(d, old):
	"""
	After a submit: the old page is gone and the new one is loaded.
	While the browser navigates, a script may find no document to run in
	(an error, not an answer): polled again until the deadline.
	"""
	from selenium.common.exceptions import (
	    StaleElementReferenceException, WebDriverException)
	from selenium.webdriver.support.ui import WebDriverWait

	def gone(_):
		try:
			old.is_enabled()
			return False
		except StaleElementReferenceException:
			return True
		except WebDriverException as e:
			# Chromium's way of saying stale while it swaps documents
			if "does not belong to the document" in str(e):
				return True
			raise

	wait = WebDriverWait(d, WAIT_S,
	    ignored_exceptions=(WebDriverException,))
	try:
		wait.until(gone)
		wait.until(lambda x: x.execute_script(
		    "return document.readyState") == "complete")
	except Exception as e:	# noqa: BLE001 (said in the failure)
		raise Failed("the page did not change after a submit (%s): %s" %
		    (d.current_url, str(e).strip().splitlines()[0] if str(e)
		    .strip() else type(e).__name__))


# ---- plain HTTP with the browser's session, for status codes

class NoRedirect(urllib.request.HTTPRedirectHandler):
	def redirect_request(self, *a, **k):
		return None


def request(method, path, cookies=None, form=None, headers=None, jar=None):
	"""(status, headers, body) of one request; redirects not followed."""
	handlers = [NoRedirect()]
	if jar is not None:
		handlers.append(urllib.request.HTTPCookieProcessor(jar))
	opener = urllib.request.build_opener(*handlers)
	data = None
	if form is not None:
		data = urllib.parse.urlencode(form).encode()
	req = urllib.request.Request(BASE + path, data=data, method=method)
	if cookies:
		req.add_header("Cookie", "; ".join("%s=%s" % (c["name"],
		    c["value"]) for c in cookies))
	for k, v in (headers or {}).items():
		req.add_header(k, v)
	try:
		with opener.open(req, timeout=WAIT_S) as r:
			return r.status, r.headers, r.read().decode("utf-8", "replace")
	except urllib.error.HTTPError as e:
		return e.code, e.headers, e.read().decode("utf-8", "replace")


def hidden_csrf(html):
	m = re.search(r'<input[^>]*name="csrf"[^>]*>', html)
	if m is None:
		return None
	v = re.search(r'value="([^"]*)"', m.group(0))
	return v.group(1) if v else None


def http_login(user, password, headers=None):
	"""Logs in without the browser: (status of the POST, its headers, jar)."""
	jar = http.cookiejar.CookieJar()
	st, _, body = request("GET", "/login", jar=jar, headers=headers)
	eq(st, 200, "GET /login")
	form = {"user": user, "password": password}
	tok = hidden_csrf(body)
	if tok is not None:
		form["csrf"] = tok
	st, hd, _ = request("POST", "/login", form=form, jar=jar, headers=headers)
	return st, hd, jar


def jar_cookies(jar):
	return [{"name": c.name, "value": c.value} for c in jar]


def tidy_check(body, what):
	"""
	body passes tidy's errors; its warnings are left (tidy 5.6 knows
	neither SVG nor aria-current). Without tidy (tests/deps.sh installs
	it) the log says so once.
	"""
	if shutil.which("tidy") is None:
		if not TIDY_SAID:
			say("NOTE: tidy is not installed: the HTML is not checked")
			TIDY_SAID.append(1)
		return
	r = subprocess.run(["tidy", "-q", "-e", "--show-warnings", "no"],
	    input=body, capture_output=True, text=True, timeout=WAIT_S)
	check(r.returncode in (0, 1), "%s is not valid HTML (tidy):\n%s" %
	    (what, (r.stdout + r.stderr)[:2000]))


def valid_html(d, path):
	"""The page's HTML as relaisd sent it, not the browser's DOM."""
	st, _, body = request("GET", path, cookies=d.get_cookies())
	check(st in (200, 403), "GET %s for tidy: %d" % (path, st))
	tidy_check(body, path)


def rcli(*args):
	r = subprocess.run(SPEC["rcli"] + list(args), capture_output=True,
	    text=True, timeout=WAIT_S)
	return r.stdout


# ---- the scenario's steps

def tab_to(d, script, what):
	"""Tab (at most 60 times) until script, run on the page, says true."""
	from selenium.webdriver.common.action_chains import ActionChains
	from selenium.webdriver.common.keys import Keys
	for _ in range(60):
		if d.execute_script(script):
			return
		ActionChains(d).send_keys(Keys.TAB).perform()
	check(d.execute_script(script), "Tab never reached %s" % what)


def keyboard_login(d, user, password):
	"""Tab to the user field, type, Tab, type, Enter: no mouse."""
	from selenium.webdriver.common.action_chains import ActionChains
	from selenium.webdriver.common.keys import Keys
	go(d, "/login")
	wait_css(d, "#login-form")
	for sel in ("#user", "#password"):
		el = find(d, sel)
		iid = el.get_attribute("id")
		check(find(d, "label[for='%s']" % iid) is not None or
		    el.get_attribute("aria-label"),
		    "login: %s has no label" % sel)
	focused = lambda: d.execute_script(
	    "return document.activeElement && document.activeElement.id")
	for _ in range(40):
		if focused() == "user":
			break
		ActionChains(d).send_keys(Keys.TAB).perform()
	eq(focused(), "user", "focus after Tab presses from the page's start")
	ActionChains(d).send_keys(user).perform()
	ActionChains(d).send_keys(Keys.TAB).perform()
	eq(focused(), "password", "focus after one more Tab")
	old = find(d, "#login-form")
	ActionChains(d).send_keys(password).send_keys(Keys.ENTER).perform()
	wait_page_change(d, old)
	check(find(d, "#login-form") is None,
	    "still on the login form after logging in as %s: %s" %
	    (user, page_text(d, "#error") or page_text(d)[:300]))


def form_login(d, user, password):
	go(d, "/login")
	wait_css(d, "#login-form")
	find(d, "#user").send_keys(user)
	find(d, "#password").send_keys(password)
	old = find(d, "#login-form")
	old.submit()
	wait_page_change(d, old)


def logout(d):
	form = find(d, "form[action='/logout']")
	check(form is not None, "no logout form on %s" % d.current_url)
	form.submit()
	wait_page_change(d, form)
	wait_css(d, "#login-form", "after logging out")


def table_rows(d, sel):
	"""The table's rows as lists of cell texts (th and td), header first."""
	return d.execute_script("""
	    var t = document.querySelector(arguments[0]);
	    if (!t) return null;
	    return Array.from(t.querySelectorAll('tr')).map(function (r) {
	      return Array.from(r.querySelectorAll('th,td')).map(function (c) {
	        return c.textContent.replace(/\\s+/g, ' ').trim(); }); });
	    """, sel)


def number(cell):
	"""The first integer in a cell ("1 234", "3 (+50 %)"), or None."""
	m = re.search(r"-?\d[\d\u00a0\u202f ]*", cell or "")
	return int(re.sub(r"\D", "", m.group(0))) if m else None


# How the Overview's columns are told apart (French first, or English).
FIGURE_HEADS = {
	"arrivals": r"^arriv",
	"departures": r"^d[ée]part",
	"failed": r"[ée]chec|fail",
	"welcomed": r"^personnes accueillies|^people (welcomed|reached)",
}


def check_figures_at(d, path, figures, what):
	"""The #figures of path hold figures {territory: {key: n}}."""
	go(d, path)
	wait_css(d, "#figures")
	common_layout(d, "overview")
	rows = table_rows(d, "#figures")
	say("#figures: %s" % json.dumps(rows, ensure_ascii=False)[:2000])
	check(rows and len(rows) >= 2, "#figures has no rows")
	# a header row names the figures (a grouping row may come first),
	# then one row per territory, first cell its name
	hi = next((i for i, r in enumerate(rows)
	    if any(re.search(FIGURE_HEADS["arrivals"], c, re.I) for c in r)),
	    None)
	check(hi is not None, "#figures: no header naming the arrivals")
	head = rows[hi]
	for tid, want in figures.items():
		names = (want["name"], tid)
		row = next((r for r in rows[hi + 1:] if r and r[0] in names),
		    None)
		check(row is not None, "#figures: no row for %s" % tid)
		for key, n in want.items():
			if key == "name":
				continue
			col = next((i for i, h in enumerate(head)
			    if re.search(FIGURE_HEADS[key], h, re.I)), None)
			check(col is not None, "#figures: no column %s" % key)
			got = number(row[col]) if col < len(row) else None
			eq(got, n, "#figures: %s in %s for %s, %s" % (key, tid,
			    SPEC["month"], what))


def check_figures(d):
	step("overview: the seeded month's figures in #figures")
	check_figures_at(d, "/?month=" + SPEC["month"], SPEC["figures"],
	    "seeded")
	shot(d, "overview")


def check_pages(d):
	step("health")
	go(d, "/health")
	wait_css(d, "main")
	common_layout(d, "health")
	shot(d, "health")
	step("templates")
	go(d, "/templates?territory=abitibi&lang=fr&message=welcome")
	wait_css(d, "main")
	common_layout(d, "templates")
	frame = find(d, "iframe")
	check(frame is not None, "templates: no frame for the email's HTML")
	check(frame.get_attribute("sandbox") is not None,
	    "templates: the email's frame is not sandboxed")
	shot(d, "templates", "iframe")
	step("opt-outs: check one address")
	go(d, "/optouts?address=" + urllib.parse.quote(SPEC["address"]))
	wait_css(d, "main")
	common_layout(d, "opt-outs")
	check(SPEC["address"] not in page_text(d, "nav"),
	    "opt-outs: the address in the nav")
	shot(d, "optouts")
	step("language switch")
	go(d, "/health?lang=en")
	wait_css(d, "main")
	eq(d.find_element(*by_css("html")).get_attribute("lang"), "en",
	    "<html lang> after ?lang=en")
	go(d, "/health?lang=fr")
	wait_css(d, "main")
	eq(d.find_element(*by_css("html")).get_attribute("lang"), "fr",
	    "<html lang> after ?lang=fr")


def dead_count():
	return int(rcli("XLEN", SPEC["prefix"] + "dead").strip() or 0)


def sink_lines():
	with open(SPEC["sink"]) as f:
		return [json.loads(l) for l in f if l.strip()]


def replay_form(d):
	return find(d, "form[action='/dead/replay']")


def check_dead(d):
	dead = SPEC["dead"]
	step("dead letters: the list")
	go(d, "/dead")
	wait_css(d, "#dead-list")
	common_layout(d, "dead letters")
	rows = table_rows(d, "#dead-list")
	say("#dead-list: %s" % json.dumps(rows, ensure_ascii=False)[:1000])
	check(any(dead["event_id"] in " ".join(r) or
	    any(dead["id"] in c for c in r) for r in rows[1:]) or
	    find(d, "#dead-list a[href='/dead/%s']" % dead["id"]) is not None,
	    "#dead-list does not show the dead letter %s" % dead["id"])
	shot(d, "dead", "#dead-list")

	step("dead letters: one letter, addresses masked")
	link = find(d, "#dead-list a[href='/dead/%s']" % dead["id"])
	if link is not None:
		old = find(d, "main")
		link.click()
		wait_page_change(d, old)
	else:
		go(d, "/dead/" + dead["id"])
	wait_css(d, "main")
	common_layout(d, "a dead letter")
	text = page_text(d)
	check(dead["id"] in text or dead["event_id"] in text,
	    "the dead letter's page names neither its id nor its event")
	for addr in dead.get("addresses", []):
		check(addr not in d.page_source,
		    "the dead letter's page shows %s unmasked" % addr)
	check(replay_form(d) is not None, "no replay form on the letter's page")
	shot(d, "dead-letter")

	step("a POST whose CSRF field was removed is refused (browser)")
	n = dead_count()
	d.execute_script("""
	    var f = document.querySelector("form[action='/dead/replay']");
	    f.querySelectorAll('input[name=csrf]').forEach(function (i) {
	      i.remove(); });""")
	form = replay_form(d)
	form.submit()
	wait_page_change(d, form)
	check(find(d, "#error") is not None,
	    "no #error after a POST without CSRF token: %s" % page_text(d)[:300])
	eq(dead_count(), n, "dead letters after a refused replay")
	shot(d, "csrf-refused", validate=False)

	step("replay the dead letter: #flash, and the delivery at the sink")
	go(d, "/dead/" + dead["id"])
	form = wait_css(d, "form[action='/dead/replay']")
	before = len(sink_lines())
	check(form.find_elements(*by_css("button, input[type=submit]")),
	    "the replay form has no button")
	# with the keyboard: Tab to the form's button, Enter
	tab_to(d, "var e = document.activeElement; return !!(e && e.form && "
	    "e.form.getAttribute('action') == '/dead/replay' && "
	    "(e.type == 'submit'))", "the replay button")
	from selenium.webdriver.common.action_chains import ActionChains
	from selenium.webdriver.common.keys import Keys
	ActionChains(d).send_keys(Keys.ENTER).perform()
	wait_page_change(d, form)
	flash = wait_css(d, "#flash", "after replaying")
	say("#flash: %s" % flash.text)
	check(flash.text.strip(), "#flash is empty after replaying")
	shot(d, "replayed")
	deadline_wait(WAIT_S, "the replayed delivery at the sink",
	    lambda: any(json.loads(l.get("body") or "{}").get("event_id") ==
	    dead["event_id"] for l in sink_lines()[before:]))
	deadline_wait(WAIT_S, "the dead letter to be gone",
	    lambda: rcli("XRANGE", SPEC["prefix"] + "dead", dead["id"],
	    dead["id"]).strip() == "")
	step("the replay: the person welcomed now, no second arrival")
	t = SPEC["other"]
	after = dict(SPEC["figures"][t])
	if dead["role"] == "newcomer":
		after["welcomed"] += 1
	check_figures_at(d, "/?territory=%s&month=%s" % (t, SPEC["month"]),
	    {t: after}, "after the replay")
	audit = rcli("XRANGE", SPEC["prefix"] + "console:audit", "-", "+")
	say("audit: %s" % audit.replace("\n", " ")[:500])
	check(SPEC["users"]["region"][0] in audit and dead["id"] in audit,
	    "the replay is not in console:audit (user and letter id)")
	for addr in dead.get("addresses", []):
		check(addr not in audit, "console:audit holds %s" % addr)


def check_refusals(d):
	"""Status codes, through plain HTTP with the browser's own cookies."""
	cookies = d.get_cookies()
	step("session cookie: HttpOnly, SameSite=Strict")
	check(cookies, "no cookie after logging in")
	sess = [c for c in cookies if c.get("httpOnly")]
	check(sess, "no HttpOnly cookie: %s" % cookies)
	for c in sess:
		eq(c.get("sameSite"), "Strict", "SameSite of cookie %s" % c["name"])
	step("POST without a CSRF token, and with a wrong one: 403")
	tok = hidden_csrf(d.page_source)
	check(tok, "no CSRF token on the page")
	n = dead_count()
	st, _, body = request("POST", "/optouts/add", cookies=cookies,
	    form={"address": SPEC["address"], "reason": "test"})
	eq(st, 403, "POST /optouts/add without csrf")
	st, _, body = request("POST", "/optouts/add", cookies=cookies,
	    form={"address": SPEC["address"], "reason": "test",
	    "csrf": tok[:-2] + ("AA" if tok[-2:] != "AA" else "BB")})
	eq(st, 403, "POST /optouts/add with a wrong csrf")
	check('id="error"' in body, "the 403 page has no #error")
	tidy_check(body, "the 403 page of a bad CSRF token")
	st, _, _ = request("POST", "/dead/drop", cookies=cookies,
	    form={"all": "1"})
	eq(st, 403, "POST /dead/drop all=1 without csrf")
	eq(dead_count(), n, "dead letters after refused POSTs")
	step("headers: no script may run, no framing")
	st, hd, _ = request("GET", "/health", cookies=cookies)
	eq(st, 200, "GET /health with the session")
	check("default-src 'none'" in (hd.get("Content-Security-Policy") or ""),
	    "Content-Security-Policy: %r" % hd.get("Content-Security-Policy"))
	eq(hd.get("X-Frame-Options"), "DENY", "X-Frame-Options")
	step("no session: 303 to /login")
	st, hd, _ = request("GET", "/")
	eq(st, 303, "GET / without a session")
	check("/login" in (hd.get("Location") or ""),
	    "GET / without a session goes to %r" % hd.get("Location"))


def check_scope(d):
	user, pw = SPEC["users"]["abitibi"]
	other = SPEC["other"]
	step("territory coordinator: own territory yes, %s no (403)" % other)
	keyboard_login(d, user, pw)
	go(d, "/?territory=abitibi&month=" + SPEC["month"])
	wait_css(d, "#figures")
	check(SPEC["figures"][other]["name"] not in page_text(d, "#figures"),
	    "abitibi's coordinator sees %s's row" % other)
	for path in ("/?territory=" + other, "/dead?territory=" + other):
		go(d, path)
		wait_css(d, "#error", "GET %s as abitibi's coordinator" % path)
		st, _, _ = request("GET", path, cookies=d.get_cookies())
		eq(st, 403, "GET %s as abitibi's coordinator" % path)
	shot(d, "forbidden")
	step("a password changed: the session it had ends at the reload")
	def reloads():
		with open(SPEC["relaisd_log"]) as f:
			return len(re.findall(r"reload: .* loaded", f.read()))

	before = reloads()
	r = subprocess.run(SPEC["ctl"] + ["console-user", "passwd", user,
	    "--password-stdin"], input=pw + "-new\n", capture_output=True,
	    text=True, timeout=WAIT_S)
	eq(r.returncode, 0, "relaisctl console-user passwd %s (%s)" %
	    (user, r.stderr.strip()))
	os.kill(SPEC["relaisd_pid"], signal.SIGHUP)
	deadline_wait(WAIT_S, "relaisd's reload", lambda: reloads() > before)
	go(d, "/")
	wait_css(d, "#login-form", "the old session after the password "
	    "change and the reload")
	step("viewer: a change is refused (403) even with a good token")
	st, _, jar = http_login(*SPEC["users"]["viewer"])
	eq(st, 303, "viewer's login")
	st, _, body = request("GET", "/", cookies=jar_cookies(jar))
	eq(st, 200, "the overview as viewer")
	tok = hidden_csrf(body)
	check(tok, "no CSRF token (logout form) on the viewer's overview")
	st, _, _ = request("POST", "/optouts/add", cookies=jar_cookies(jar),
	    form={"address": SPEC["address"], "reason": "x", "csrf": tok})
	eq(st, 403, "a viewer's POST /optouts/add")
	step("Secure cookie when the trusted proxy says https")
	st, hd, _ = http_login(*SPEC["users"]["viewer"],
	    headers={"X-Forwarded-Proto": "https"})
	eq(st, 303, "login behind the proxy")
	setc = " ".join(hd.get_all("Set-Cookie") or [])
	check(re.search(r";\s*Secure", setc, re.I),
	    "no Secure cookie behind https: %s" % setc)
	check(re.search(r";\s*HttpOnly", setc, re.I), "no HttpOnly: %s" % setc)


def check_rate_limit(d):
	"""
	Last, and per user: every request here comes from 127.0.0.1, so each
	guess claims a client of its own through the trusted proxy's
	X-Forwarded-For (documentation addresses: a header, no traffic), and
	only the user's bucket can run dry. Guessed back to back from a full
	bucket, the first refusal leaves seconds before a token is back
	(burst, then a token every few seconds): the right password, asked at
	once, is refused too.
	"""
	user, pw = SPEC["users"]["victim"]
	step("a wrong password, again and again: 429")
	codes = []
	for i in range(50):
		st, hd, _ = http_login(user, pw + "-wrong",
		    headers={"X-Forwarded-For": "192.0.2.%d" % (i + 1)})
		codes.append(st)
		if st == 429:
			break
	say("wrong passwords answered: %s" % codes)
	eq(codes[-1], 429, "status once wrong passwords repeat")
	check(all(c != 303 for c in codes), "a wrong password was accepted")
	check(hd.get("Retry-After"), "a 429 without Retry-After")
	form_login(d, user, pw)
	wait_css(d, "#error", "the browser's login while rate-limited")
	check(find(d, "form[action='/logout']") is None,
	    "the right password got in while rate-limited (browser)")
	shot(d, "rate-limited")
	st, _, _ = http_login(user, pw,
	    headers={"X-Forwarded-For": "198.51.100.1"})
	eq(st, 429, "the right password while rate-limited, another client")


def main():
	os.makedirs(OUT, exist_ok=True)
	d = browser()
	try:
		step("login page (keyboard only)")
		go(d, "/login")
		wait_css(d, "#login-form")
		shot(d, "login")
		keyboard_login(d, *SPEC["users"]["region"])
		common_layout(d, "first page after login")
		check_figures(d)
		check_pages(d)
		check_dead(d)
		check_refusals(d)
		logout(d)
		check_scope(d)
		check_rate_limit(d)
	except Exception as e:	# noqa: BLE001 (a check's, or the driver's)
		if not isinstance(e, Failed):
			traceback.print_exc()
		say("FAIL (%s): %s" % (STEP[0], e))
		try:
			shot(d, "FAILED", validate=False)
			with open(os.path.join(OUT, "FAILED.html"), "w") as f:
				f.write(d.page_source)
			say("page at the failure: %s" % d.current_url)
		except Exception:	# noqa: BLE001 (the report above matters)
			pass
		return 1
	finally:
		d.quit()
	say("console in a browser: ok")
	return 0


if __name__ == "__main__":
	sys.exit(main())
