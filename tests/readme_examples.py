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

ROOT, BUILD, SCRATCH = sys.argv[1], sys.argv[2], sys.argv[3]
WT = ROOT
D = os.path.join(SCRATCH, 'etc')
B = os.path.join(BUILD, 'relaisd')
C = os.path.join(BUILD, 'relaisctl')
readme=open(os.path.join(WT, 'README.md'), encoding='utf-8').read()
blocks=[]; cur=None
for line in readme.split('\n'):
    if line.startswith('```'):
        if cur is None: cur=(line[3:],[])
        else: blocks.append((cur[0],'\n'.join(cur[1])+'\n')); cur=None
    elif cur is not None: cur[1].append(line)
yamls=[b for k,b in blocks if k=='yaml']
plain=[b for k,b in blocks if k=='']
terr, route, relay = yamls[0], yamls[1], yamls[2]
ok=True
def check(env_extra=None, path=None):
    env={k:v for k,v in os.environ.items() if not k.startswith('RELAIS_') and k!='CREDENTIALS_DIRECTORY'}
    env['RELAIS_ENV_FILE']=''
    if env_extra: env.update(env_extra)
    p=subprocess.run([B,'-c',D+'/relais.yaml','--check'],capture_output=True,text=True,env=env)
    return (p.stdout+p.stderr).replace(D+'/','/etc/relais/').strip(), p.returncode
def expect(name, out, want):
    global ok
    good = want in out if want else False
    print(('ok   ' if good else 'FAIL ')+name); 
    if not good: ok=False; print('  got: '+out[:400]); print('  want: '+str(want)[:400])
def fresh():
    shutil.rmtree(D, ignore_errors=True); shutil.copytree(os.path.join(WT, 'config'), D)
def edit(f):
    s=open(D+'/relais.yaml').read(); s=f(s); open(D+'/relais.yaml','w').write(s)
END_TERR='# Routes, first match wins'
GEN_SMS='  - match: { type: followup.due, role: newcomer, channel: sms }\n'
# 1. territory, without phone
fresh()
edit(lambda s: s.replace(END_TERR, terr.replace('      phone: "819 555-0106"\n','')+'\n'+END_TERR))
out,rc=check()
want=[l for l in plain if 'has no branding "phone"' in l][0].split('\n')[1]
expect('territory without phone', out, want)
fresh(); edit(lambda s: s.replace(END_TERR, terr+'\n'+END_TERR))
out,rc=check(); expect('territory OK', out, '/etc/relais/relais.yaml: configuration OK')
# render
ev=re.search(r"\$ echo '(.*?)' \| relaisctl render --event -\n(.*?)\n```", readme, re.S)
p=subprocess.run([C,'-c',D+'/relais.yaml','render','--event','-'],input=ev.group(1),capture_output=True,text=True,env={'PATH':os.environ['PATH'],'RELAIS_ENV_FILE':''})
for line in ev.group(2).strip().split('\n'):
    if line!='...': expect('render: '+line[:50], p.stdout, line)
# 2. route after the general one: refused
save=open(D+'/relais.yaml').read()
edit(lambda s: s.replace(GEN_SMS, GEN_SMS+'    gateways: [ "${RELAIS_SMS_GATEWAY:-outbox}" ]\n    template: checkin\n    window: sms-hours\n    fallback: true\n'+route,1).replace(GEN_SMS+'    gateways: [ "${RELAIS_SMS_GATEWAY:-outbox}" ]\n    template: checkin\n    window: sms-hours\n    fallback: true\n'+route+'    gateways: [ "${RELAIS_SMS_GATEWAY:-outbox}" ]\n    template: checkin\n    window: sms-hours\n    fallback: true\n', GEN_SMS+'    gateways: [ "${RELAIS_SMS_GATEWAY:-outbox}" ]\n    template: checkin\n    window: sms-hours\n    fallback: true\n'+route))
out,rc=check()
want=[l for l in plain if 'can never match' in l][0].strip()
expect('route after: refused', out, want)
open(D+'/relais.yaml','w').write(save)
edit(lambda s: s.replace(GEN_SMS, route+GEN_SMS,1))
out,rc=check(); expect('route before: OK', out, 'configuration OK')
# 3. mailgun by environment
out,rc=check({'RELAIS_EMAIL_GATEWAY':'mailgun'})
expect('mailgun without key', out, 'gateway "mailgun" cannot be used: api_key_env: environment variable RELAIS_MAILGUN_API_KEY is not set')
out,rc=check({'RELAIS_EMAIL_GATEWAY':'mailgun','RELAIS_MAILGUN_DOMAIN':'mg.accueil-at.example','RELAIS_MAILGUN_API_KEY':'key-x'})
expect('mailgun OK', out, 'configuration OK')
# relay
edit(lambda s: s.replace("\n# Québec's statutory holidays", relay+"\n# Québec's statutory holidays",1))
n=[0]
def sub(s):
    t=s.replace('gateways: [ "${RELAIS_EMAIL_GATEWAY:-outbox}" ]','gateways: [ "${RELAIS_EMAIL_GATEWAY:-outbox}", relay ]')
    n[0]=s.count('gateways: [ "${RELAIS_EMAIL_GATEWAY:-outbox}" ]'); return t
edit(sub); expect('six email routes (%d)'%n[0], str(n[0]), '6')
cred=os.path.join(SCRATCH, 'cred')
shutil.rmtree(cred, ignore_errors=True)
out,rc=check({'CREDENTIALS_DIRECTORY':cred,'RELAIS_EMAIL_GATEWAY':'mailgun','RELAIS_MAILGUN_API_KEY':'k'})
expect('relay without file', out.replace(cred,'/etc/relais/credentials'), 'gateway "relay" cannot be used: cannot read /etc/relais/credentials/smtp-relay: No such file or directory')
os.makedirs(cred); open(cred+'/smtp-relay','w').write('s3cret\n'); os.chmod(cred+'/smtp-relay',0o600)
out,rc=check({'CREDENTIALS_DIRECTORY':cred,'RELAIS_EMAIL_GATEWAY':'mailgun','RELAIS_MAILGUN_API_KEY':'k'})
expect('relay OK', out, 'configuration OK')
print('ALL OK' if ok else 'SOME FAILED'); sys.exit(0 if ok else 1)
