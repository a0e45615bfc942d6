#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""The README's worked examples, run: readme_examples.py ROOT BUILD SCRATCH

Takes the YAML blocks of README.md's worked examples (a territory, a route,
an SMTP relay), applies them to a copy of config/ in SCRATCH the way the
README says, and checks that relaisd --check and relaisctl render print
what the README shows (its quoted lines, line numbers included), with and
without the pieces the examples say are needed. Exits 1 on any difference.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT, BUILD, SCRATCH = sys.argv[1:4]
ETC = os.path.join(SCRATCH, "etc")
CONF = os.path.join(ETC, "relais.yaml")
CRED = os.path.join(SCRATCH, "cred")
RELAISD = os.path.join(BUILD, "relaisd")
RELAISCTL = os.path.join(BUILD, "relaisctl")

# Where the examples go in the shipped relais.yaml.
END_TERRITORIES = "# Routes, first match wins"
GENERAL_SMS = "  - match: { type: followup.due, role: newcomer, channel: sms }\n"
GENERAL_SMS_BODY = ('    gateways: [ "${RELAIS_SMS_GATEWAY:-outbox}" ]\n'
                    "    template: checkin\n    window: sms-hours\n"
                    "    fallback: true\n")
HOLIDAYS = "\n# Québec's statutory holidays"
EMAIL_GATEWAYS = 'gateways: [ "${RELAIS_EMAIL_GATEWAY:-outbox}" ]'
PHONE_LINE = '      phone: "819 555-0106"\n'

failed = False


def blocks(text):
    """The README's fenced blocks: (info string, body)."""
    out, cur = [], None
    for line in text.split("\n"):
        if line.startswith("```"):
            if cur is None:
                cur = (line[3:], [])
            else:
                out.append((cur[0], "\n".join(cur[1]) + "\n"))
                cur = None
        elif cur is not None:
            cur[1].append(line)
    return out


def check(extra_env=None):
    """relaisd --check on the copy, paths shown as the README shows them."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RELAIS_") and k != "CREDENTIALS_DIRECTORY"}
    env["RELAIS_ENV_FILE"] = ""
    env.update(extra_env or {})
    p = subprocess.run([RELAISD, "-c", CONF, "--check"], capture_output=True,
                       text=True, env=env)
    return (p.stdout + p.stderr).replace(ETC + "/", "/etc/relais/").strip()


def expect(name, out, want):
    global failed
    if want and want in out:
        print("ok   " + name)
        return
    failed = True
    print("FAIL " + name)
    print("  got:  " + out[:400])
    print("  want: " + str(want)[:400])


def fresh():
    shutil.rmtree(ETC, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "config"), ETC)


def edit(old, new, count=1):
    """Replaces old by new in the copy's relais.yaml; old must be there."""
    with open(CONF, encoding="utf-8") as f:
        text = f.read()
    if old not in text:
        sys.exit("readme_examples: %r not in the shipped relais.yaml" % old)
    with open(CONF, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, count))
    return text.count(old)


def main():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    all_blocks = blocks(readme)
    yamls = [b for k, b in all_blocks if k == "yaml"]
    plain = [b for k, b in all_blocks if k == ""]
    territory, route, relay = yamls[0], yamls[1], yamls[2]

    # 1. A territory: refused without the phone its templates use, then OK.
    fresh()
    edit(END_TERRITORIES,
         territory.replace(PHONE_LINE, "") + "\n" + END_TERRITORIES)
    want = [b for b in plain if 'has no branding "phone"' in b][0]
    expect("territory without phone", check(), want.split("\n")[1])
    fresh()
    edit(END_TERRITORIES, territory + "\n" + END_TERRITORIES)
    expect("territory OK", check(),
           "/etc/relais/relais.yaml: configuration OK")
    m = re.search(r"\$ echo '(.*?)' \| relaisctl render --event -\n(.*?)\n```",
                  readme, re.S)
    p = subprocess.run([RELAISCTL, "-c", CONF, "render", "--event", "-"],
                       input=m.group(1), capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"],
                            "RELAIS_ENV_FILE": ""})
    for line in m.group(2).strip().split("\n"):
        if line != "...":
            expect("render: " + line[:50], p.stdout, line)

    # 2. A route: refused after the general one it would never beat, OK before.
    with open(CONF, encoding="utf-8") as f:
        with_territory = f.read()
    edit(GENERAL_SMS + GENERAL_SMS_BODY, GENERAL_SMS + GENERAL_SMS_BODY + route)
    want = [b for b in plain if "can never match" in b][0].strip()
    expect("route after: refused", check(), want)
    with open(CONF, "w", encoding="utf-8") as f:
        f.write(with_territory)
    edit(GENERAL_SMS, route + GENERAL_SMS)
    expect("route before: OK", check(), "configuration OK")

    # 3. Mailgun by the environment, then an SMTP relay behind it.
    expect("mailgun without key", check({"RELAIS_EMAIL_GATEWAY": "mailgun"}),
           'gateway "mailgun" cannot be used: api_key_env: environment '
           "variable RELAIS_MAILGUN_API_KEY is not set")
    expect("mailgun OK", check({"RELAIS_EMAIL_GATEWAY": "mailgun",
                                "RELAIS_MAILGUN_DOMAIN": "mg.accueil-at.example",
                                "RELAIS_MAILGUN_API_KEY": "key-x"}),
           "configuration OK")
    edit(HOLIDAYS, relay + HOLIDAYS)
    n = edit(EMAIL_GATEWAYS,
             'gateways: [ "${RELAIS_EMAIL_GATEWAY:-outbox}", relay ]', -1)
    expect("six email routes (%d)" % n, str(n), "6")
    env = {"CREDENTIALS_DIRECTORY": CRED, "RELAIS_EMAIL_GATEWAY": "mailgun",
           "RELAIS_MAILGUN_API_KEY": "k"}
    shutil.rmtree(CRED, ignore_errors=True)
    expect("relay without its file",
           check(env).replace(CRED, "/etc/relais/credentials"),
           'gateway "relay" cannot be used: cannot read '
           "/etc/relais/credentials/smtp-relay: No such file or directory")
    os.makedirs(CRED)
    with open(os.path.join(CRED, "smtp-relay"), "w") as f:
        f.write("s3cret\n")
    os.chmod(os.path.join(CRED, "smtp-relay"), 0o600)
    expect("relay OK", check(env), "configuration OK")

    print("SOME FAILED" if failed else "ALL OK")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
