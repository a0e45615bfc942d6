# SPDX-License-Identifier: LiLiQ-P-1.1
# relais — one non-recursive GNU Makefile.
#   make            build/relaisd, build/relaisctl
#   make check      unit + integration tests, alerting rules (installs Debian packages when run as root)
#   make check-sanitize   the same under AddressSanitizer + UBSan, in build-san/
#   make mutants    one-line mutants of tests/mutants/*.txt, each must be caught
#   make demo       run relaisd for real against a private redis-server
#   make bench      throughput / latency / memory benchmark
#   make soak       instances killed -9, a Redis restart, a gateway outage: nothing lost or sent twice
#   make fuzz       libFuzzer targets, FUZZ_SECONDS (30) each, in build-fuzz/
#   make man        the manual pages as installed (man(7), from mdoc), in $(BUILD)/man/
#   make deb        the Debian package, built from a copy of the tree, in $(BUILD)/deb/

PREFIX  ?= /usr/local
DESTDIR ?=
# Install locations. The configuration stays in /etc whatever the PREFIX;
# the systemd files go where systemd looks under PREFIX (/usr/lib/... for
# PREFIX=/usr, /usr/local/lib/... by default). relaisd, a daemon with a
# section 8 page, goes in sbin; relaisctl in bin.
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/relais
BUILD   ?= build
CC      ?= cc

PKGS    := libevent hiredis libcurl jansson yaml-0.1 libcrypto libcrypt
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Werror
CFLAGS  ?= -O2 -g
VERSION := 0.1.0
CFLAGS  += -std=c11 -D_GNU_SOURCE -DRELAIS_VERSION=\"$(VERSION)\" $(WARN) -Idaemon -Ihandlers -Ictl \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

ifeq ($(SANITIZE),1)
BUILD   := build-san
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Library of everything but the two mains, shared by the binaries and tests.
LIB_SRCS := \
	daemon/buf.c \
	daemon/utf8.c \
	daemon/base64.c \
	daemon/log.c \
	daemon/log_out.c \
	daemon/clock.c \
	daemon/diag.c \
	daemon/suggest.c \
	daemon/ynode.c \
	daemon/config_parse.c \
	daemon/config.c \
	daemon/config_redis.c \
	daemon/config_gateway.c \
	daemon/config_route.c \
	daemon/config_territory.c \
	daemon/config_handlers.c \
	daemon/config_check.c \
	daemon/config_unsub.c \
	daemon/config_bounces.c \
	daemon/territory.c \
	daemon/envelope.c \
	daemon/tmpl.c \
	daemon/tmpl_refs.c \
	daemon/tmpl_render.c \
	daemon/render.c \
	daemon/words.c \
	daemon/jsonw.c \
	daemon/jsonr.c \
	daemon/jarena.c \
	daemon/route.c \
	daemon/backoff.c \
	daemon/idkey.c \
	daemon/sms.c \
	daemon/phone.c \
	daemon/pii.c \
	daemon/dead_lua.c \
	daemon/tz.c \
	daemon/window.c \
	daemon/redis.c \
	daemon/redis_ev.c \
	daemon/redis_resp.c \
	daemon/queue.c \
	daemon/queue_batch.c \
	daemon/queue_begin.c \
	daemon/queue_records.c \
	daemon/queue_args.c \
	daemon/queue_lua.c \
	daemon/http.c \
	daemon/http_req.c \
	daemon/http_h1.c \
	daemon/http_h1_parse.c \
	daemon/breaker.c \
	daemon/gw.c \
	daemon/gw_table.c \
	daemon/gw_kind.c \
	daemon/gw_msg.c \
	daemon/gw_http.c \
	daemon/gw_webhook.c \
	daemon/gw_outbox.c \
	daemon/gw_twilio.c \
	daemon/gw_sendgrid.c \
	daemon/gw_smtp.c \
	daemon/gw_smtp_msg.c \
	daemon/gw_brevo.c \
	daemon/gw_mailgun.c \
	daemon/plan.c \
	daemon/pipeline.c \
	daemon/pipeline_job.c \
	daemon/effects.c \
	daemon/delivery.c \
	daemon/record.c \
	daemon/metrics.c \
	daemon/procstat.c \
	daemon/admin.c \
	daemon/admin_reply.c \
	daemon/admin_guard.c \
	daemon/admin_linger.c \
	daemon/admin_hold.c \
	daemon/admin_prom.c \
	daemon/admin_rate.c \
	daemon/admin_twilio.c \
	daemon/twhook.c \
	daemon/admin_evhook.c \
	daemon/evhook.c \
	daemon/evhook_sig.c \
	daemon/admin_unsub.c \
	daemon/unsub.c \
	daemon/consent.c \
	daemon/envfile.c \
	daemon/notify.c \
	daemon/console_auth.c \
	daemon/console_session.c \
	daemon/figures.c \
	daemon/svg.c \
	daemon/config_console.c \
	daemon/console.c \
	daemon/console_page.c \
	daemon/console_reply.c \
	daemon/console_login.c \
	daemon/console_req.c \
	daemon/console_html.c \
	daemon/console_pages.c \
	daemon/console_pages_html.c \
	daemon/console_pages_act.c \
	daemon/console_optouts.c \
	daemon/console_view.c \
	daemon/console_overview.c \
	daemon/console_health.c \
	daemon/console_preview.c \
	handlers/handlers.c \
	handlers/handlers_table.c \
	handlers/newcomer_arrived.c \
	handlers/newcomer_arrived_lua.c \
	handlers/store.c \
	handlers/common_effects.c \
	handlers/followups.c \
	handlers/match.c \
	handlers/noc.c \
	handlers/followup_due.c \
	handlers/followup_done.c \
	handlers/followup_reminders.c \
	handlers/newcomer_departed.c \
	handlers/job_posted.c \
	handlers/job_closed.c \
	handlers/match_digest.c

RELAISD_SRCS   := daemon/main.c
RELAISCTL_SRCS := \
	ctl/relaisctl.c \
	ctl/relaisctl_io.c \
	ctl/relaisctl_redis.c \
	ctl/relaisctl_conf.c \
	ctl/relaisctl_status.c \
	ctl/relaisctl_dead.c \
	ctl/relaisctl_replay.c \
	ctl/relaisctl_report.c \
	ctl/relaisctl_report_view.c \
	ctl/relaisctl_person.c \
	ctl/relaisctl_event.c \
	ctl/forget.c \
	ctl/forget_walk.c \
	ctl/relaisctl_console.c
SINK_SRCS      := tests/sink/sink.c
BENCH_SRCS     := bench/producer.c
BENCH_MATCH_SRCS := bench/match.c

# libFuzzer targets: each one's sources compiled straight into its binary.
FUZZ_BUILD   := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := envelope ynode tmpl twhook unsub phone providers mime admin pii \
	evhook \
	envfile jsonr jsonw console
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined \
           -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
           -std=c11 -D_GNU_SOURCE -DRELAIS_VERSION=\"$(VERSION)\" $(WARN) -Idaemon
# Why -timeout: libFuzzer's default (20 min) would outlast FUZZ_SECONDS on a hang.
FUZZ_RUN     := -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10

FUZZ_envelope_SRCS := \
	tests/fuzz/fuzz_envelope.c \
	daemon/envelope.c \
	daemon/jsonr.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_envelope_PKGS := jansson

FUZZ_ynode_SRCS := \
	tests/fuzz/fuzz_ynode.c \
	daemon/ynode.c \
	daemon/diag.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_ynode_PKGS := yaml-0.1

FUZZ_tmpl_SRCS := \
	tests/fuzz/fuzz_tmpl.c \
	daemon/tmpl.c \
	daemon/tmpl_refs.c \
	daemon/tmpl_render.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_tmpl_PKGS := jansson

FUZZ_twhook_SRCS := \
	tests/fuzz/fuzz_twhook.c \
	daemon/twhook.c \
	daemon/utf8.c \
	daemon/base64.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_twhook_PKGS := libcrypto

FUZZ_evhook_SRCS := \
	tests/fuzz/fuzz_evhook.c \
	daemon/evhook.c \
	daemon/evhook_sig.c \
	daemon/base64.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_evhook_PKGS := jansson libcrypto

FUZZ_unsub_SRCS := \
	tests/fuzz/fuzz_unsub.c \
	daemon/unsub.c \
	daemon/utf8.c \
	daemon/base64.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_unsub_PKGS := libcrypto

FUZZ_console_SRCS := \
	tests/fuzz/fuzz_console.c \
	daemon/console_req.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_console_PKGS := libcrypto

FUZZ_phone_SRCS := \
	tests/fuzz/fuzz_phone.c \
	daemon/phone.c \
	daemon/sms.c \
	daemon/envelope.c \
	daemon/jsonr.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_phone_PKGS := jansson

FUZZ_pii_SRCS := \
	tests/fuzz/fuzz_pii.c \
	daemon/pii.c \
	daemon/phone.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_pii_PKGS := jansson

FUZZ_envfile_SRCS := \
	tests/fuzz/fuzz_envfile.c \
	daemon/envfile.c \
	daemon/envelope.c \
	daemon/jsonr.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_envfile_PKGS := jansson

FUZZ_jsonr_SRCS := \
	tests/fuzz/fuzz_jsonr.c \
	daemon/jsonr.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_jsonr_PKGS := jansson

FUZZ_jsonw_SRCS := \
	tests/fuzz/fuzz_jsonw.c \
	daemon/jsonw.c \
	daemon/jarena.c \
	daemon/utf8.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_jsonw_PKGS := jansson

# http: the HTTP/1.1 answers of the engine's own transport (http_h1_parse.c)
FUZZ_TARGETS += http
FUZZ_http_SRCS := \
	tests/fuzz/fuzz_http.c \
	daemon/http_h1_parse.c \
	daemon/http_req.c \
	daemon/buf.c \
	daemon/utf8.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_http_PKGS := libevent libcurl

# console_auth: a users file, tokens and cookies, the limiter (fuzz_console_auth.c)
FUZZ_TARGETS += console_auth
FUZZ_console_auth_SRCS := \
	tests/fuzz/fuzz_console_auth.c \
	daemon/console_auth.c \
	daemon/console_session.c \
	daemon/base64.c \
	daemon/buf.c \
	daemon/utf8.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_console_auth_PKGS := libcrypto libcrypt

# The gateway kinds come as a table (gw_table.c): all of them, and what they
# use, their configuration's parsing helpers too.
FUZZ_GW_SRCS := \
	daemon/gw.c \
	daemon/gw_table.c \
	daemon/gw_kind.c \
	daemon/gw_msg.c \
	daemon/gw_http.c \
	daemon/gw_webhook.c \
	daemon/gw_outbox.c \
	daemon/gw_twilio.c \
	daemon/gw_sendgrid.c \
	daemon/gw_smtp.c \
	daemon/gw_smtp_msg.c \
	daemon/gw_brevo.c \
	daemon/gw_mailgun.c \
	daemon/jsonw.c \
	daemon/jarena.c \
	daemon/config_parse.c \
	daemon/ynode.c \
	daemon/diag.c \
	daemon/suggest.c \
	daemon/http.c \
	daemon/http_req.c \
	daemon/http_h1.c \
	daemon/http_h1_parse.c \
	daemon/breaker.c \
	daemon/backoff.c \
	daemon/clock.c \
	daemon/tz.c \
	daemon/sms.c \
	daemon/envelope.c \
	daemon/jsonr.c \
	daemon/utf8.c \
	daemon/base64.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c

FUZZ_providers_SRCS := \
	tests/fuzz/fuzz_providers.c \
	$(FUZZ_GW_SRCS)
FUZZ_providers_PKGS := jansson libcurl libevent yaml-0.1

FUZZ_mime_SRCS := \
	tests/fuzz/fuzz_mime.c \
	daemon/twhook.c \
	$(FUZZ_GW_SRCS)
FUZZ_mime_PKGS := jansson libcurl libevent libcrypto yaml-0.1

FUZZ_admin_SRCS := \
	tests/fuzz/fuzz_admin.c \
	daemon/admin.c \
	daemon/admin_reply.c \
	daemon/admin_guard.c \
	daemon/admin_linger.c \
	daemon/admin_hold.c \
	daemon/admin_prom.c \
	daemon/admin_rate.c \
	daemon/admin_twilio.c \
	daemon/admin_unsub.c \
	daemon/admin_evhook.c \
	daemon/evhook.c \
	daemon/evhook_sig.c \
	daemon/twhook.c \
	daemon/unsub.c \
	daemon/clock.c \
	daemon/tz.c \
	daemon/envelope.c \
	daemon/jsonr.c \
	daemon/utf8.c \
	daemon/base64.c \
	daemon/buf.c \
	daemon/log.c \
	daemon/log_out.c
FUZZ_admin_PKGS := libevent jansson libcrypto

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

UNIT_TESTS := \
	test_ynode \
	test_envelope \
	test_tmpl \
	test_tmpl_render \
	test_tmpl_refs \
	test_http \
	test_http_req \
	test_http_h1 \
	test_config \
	test_config_gateway \
	test_config_route \
	test_config_territory \
	test_config_check \
	test_config_redis \
	test_config_handlers \
	test_config_bounces \
	test_config_unsub \
	test_config_console \
	test_console_req \
	test_console \
	test_territory \
	test_backoff \
	test_breaker \
	test_gw \
	test_gw_http \
	test_gw_webhook \
	test_gw_outbox \
	test_idkey \
	test_log \
	test_notify \
	test_route \
	test_handlers \
	test_newcomer_arrived \
	test_followup_due \
	test_followup_done \
	test_followup_reminders \
	test_newcomer_departed \
	test_job_posted \
	test_job_closed \
	test_match_digest \
	test_store \
	test_render \
	test_sms \
	test_phone \
	test_pii \
	test_tz \
	test_window \
	test_admin \
	test_admin_guard \
	test_admin_hold \
	test_admin_rate \
	test_admin_prom \
	test_admin_reply \
	test_admin_twilio \
	test_admin_evhook \
	test_admin_unsub \
	test_twhook \
	test_evhook \
	test_evhook_sig \
	test_gw_twilio \
	test_gw_brevo \
	test_plan \
	test_jsonw \
	test_jsonr \
	test_jarena \
	test_words \
	test_record \
	test_gw_sendgrid \
	test_gw_smtp \
	test_gw_smtp_msg \
	test_gw_mailgun \
	test_unsub \
	test_console_auth \
	test_followups \
	test_match \
	test_noc \
	test_envfile \
	test_suggest \
	test_utf8 \
	test_base64 \
	test_buf \
	test_clock \
	test_diag \
	test_config_parse \
	test_queue_args \
	test_gw_msg \
	test_effects \
	test_metrics \
	test_procstat \
	test_consent \
	test_redis \
	test_queue \
	test_queue_batch \
	test_queue_sched \
	test_relaisctl_io \
	test_relaisctl_redis \
	test_relaisctl_report \
	test_figures \
	test_figures_truth \
	test_svg \
	test_relaisctl_event \
	test_relaisctl_person \
	test_forget \
	test_forget_walk \
	test_pipeline \
	test_delivery \
	test_relaisctl_dead \
	test_relaisctl_replay \
	test_relaisctl_status \
	test_relaisctl_conf

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
ALL_OBJS := $(LIB_OBJS) $(RELAISD_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(RELAISCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(SINK_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(UNIT_TESTS:%=$(BUILD)/obj/tests/unit/%.o)
ALL_OBJS += $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(BENCH_MATCH_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all check check-unit check-integration check-clocks check-sanitize check-layout check-rules check-fuzz check-shell \
	demo bench soak install uninstall clean deps fuzz mutants
all: $(BUILD)/relaisd $(BUILD)/relaisctl $(BUILD)/sink

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/librelais.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/relaisd: $(RELAISD_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/librelais.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/relaisctl: $(RELAISCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/librelais.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/sink: $(SINK_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/librelais.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/producer: $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench-match: $(BENCH_MATCH_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/librelais.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The admin port's tests (test_admin*) share a fixture (admin_fixture.c: a
# server on 127.0.0.1, an HTTP client, signed requests to its public
# endpoints) and a strict reader of the Prometheus text format (expo.c):
# the rule above, with both linked in before librelais.a (whose members
# they need).
ADMIN_TESTS := $(filter test_admin%,$(UNIT_TESTS))
ADMIN_FIXTURE := $(BUILD)/obj/tests/unit/admin_fixture.o \
	$(BUILD)/obj/tests/unit/expo.o
ALL_OBJS += $(ADMIN_FIXTURE)
$(ADMIN_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
    $(BUILD)/obj/tests/unit/%.o $(ADMIN_FIXTURE) $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The handler tests share a fixture (the shipped config, events, decisions,
# tests/unit/handlers_fixture.h): the rule above, with it linked in before
# librelais.a (whose members it needs).
HANDLER_TESTS := test_handlers test_newcomer_arrived test_followup_due \
	test_followup_done test_followup_reminders test_newcomer_departed \
	test_job_posted test_job_closed test_match_digest
HANDLER_FIXTURE := $(BUILD)/obj/tests/unit/handlers_fixture.o
ALL_OBJS += $(HANDLER_FIXTURE)
$(HANDLER_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
    $(BUILD)/obj/tests/unit/%.o $(HANDLER_FIXTURE) $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The config tests share a fixture (a throwaway config directory, loads and
# their messages, tests/unit/config_fixture.h): linked in the same way.
CONFIG_TESTS := test_config test_config_gateway test_config_route \
	test_config_territory test_config_check test_config_redis \
	test_config_handlers test_config_bounces test_config_unsub \
	test_config_console
CONFIG_FIXTURE := $(BUILD)/obj/tests/unit/config_fixture.o
ALL_OBJS += $(CONFIG_FIXTURE)
$(CONFIG_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
    $(BUILD)/obj/tests/unit/%.o $(CONFIG_FIXTURE) $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The Redis tests share a fixture (a throwaway redis-server, a synchronous
# connection to it, a bounded event loop, tests/unit/redis_fixture.h).
REDIS_TESTS := test_redis test_queue test_queue_batch test_queue_sched test_figures
REDIS_FIXTURE := $(BUILD)/obj/tests/unit/redis_fixture.o
ALL_OBJS += $(REDIS_FIXTURE)
$(REDIS_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
    $(BUILD)/obj/tests/unit/%.o $(REDIS_FIXTURE) $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The figures counted once per fact: the handler tests' fixture, a redis-server.
$(BUILD)/tests/test_figures_truth: $(BUILD)/obj/tests/unit/test_figures_truth.o \
    $(HANDLER_FIXTURE) $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The console's server test: the admin tests' HTTP client and a redis-server.
$(BUILD)/tests/test_console: $(BUILD)/obj/tests/unit/test_console.o \
    $(ADMIN_FIXTURE) $(REDIS_FIXTURE) $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The pipeline's and the deliveries' tests: the daemon's parts wired on
# that redis-server, with their shared readings (pipeline_fixture.c).
PIPELINE_TESTS := test_pipeline test_delivery
PIPELINE_FIXTURE := $(BUILD)/obj/tests/unit/pipeline_fixture.o
ALL_OBJS += $(PIPELINE_FIXTURE)
$(PIPELINE_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
    $(BUILD)/obj/tests/unit/%.o $(PIPELINE_FIXTURE) $(REDIS_FIXTURE) \
    $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# relaisctl's modules (ctl/, not in librelais.a) are tested with their
# objects linked in, all but relaisctl.o (its main), and a redis-server the
# test starts (redis_fixture.o). CTL_TESTS lists those binaries.
CTL_TESTS := test_relaisctl_io test_relaisctl_redis test_relaisctl_report test_forget test_forget_walk test_relaisctl_event test_relaisctl_person test_relaisctl_dead test_relaisctl_replay test_relaisctl_status test_relaisctl_conf
CTL_OBJS := $(filter-out $(BUILD)/obj/ctl/relaisctl.o, \
	$(RELAISCTL_SRCS:%.c=$(BUILD)/obj/%.o))
$(CTL_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
    $(BUILD)/obj/tests/unit/%.o $(REDIS_FIXTURE) $(CTL_OBJS) \
    $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

deps:
	@sh tests/deps.sh

# The installed manual pages: the mdoc sources turned into man(7), the
# version in their footer. Why: Debian 12's groff formats any mdoc page of
# a numbered section under a "BSD ... Manual" header whatever .Os says.
MAN_PAGES := $(BUILD)/man/relaisctl.1 $(BUILD)/man/relais.yaml.5 \
	$(BUILD)/man/relaisd.8
.PHONY: man
man: $(MAN_PAGES)
$(BUILD)/man/%: man/%
	@mkdir -p $(dir $@)
	mandoc -T man -W warning,stop -I os="relais $(VERSION)" $< > $@.$$$$.tmp && \
	    mv $@.$$$$.tmp $@

# Headers are listed too: the sources are not compiled with -MMD here.
.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: $$(FUZZ_$$*_SRCS) $$(wildcard daemon/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(FUZZ_$*_PKGS)) \
	    $(filter %.c,$^) $(shell pkg-config --libs $(FUZZ_$*_PKGS)) -o $@

check-unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(BUILD)

# Scenarios run two at a time (they share nothing), each under a deadline.
IT_JOBS ?= 2
check-integration: all $(BUILD)/bench-match
	@sh tests/run-integration.sh -j $(IT_JOBS) $(BUILD)

# Every scenario again at three clocks (Québec local time in brackets): a
# weekday afternoon [Wed 14:30], 23:30 on a Saturday [outside every SMS
# window], and 00:05 UTC on the 1st of a month [20:05 on the last day of the
# previous month: the UTC and the local month differ].
CLOCKS ?= 2026-03-04T19:30:00Z 2026-03-08T04:30:00Z 2026-04-01T00:05:00Z
check-clocks: all
	@rc=0; for c in $(CLOCKS); do \
		sh tests/run-integration.sh -c $$c -j $(IT_JOBS) $(BUILD) || rc=1; \
	done; exit $$rc

# The tree's shape: files <= 800 lines, functions <= 80, no module calling
# back into one that calls it (tests/layout.py reads the objects); and every
# listed mutant still applies to the code (its text found once).
check-layout: all
	@python3 tests/layout.py $(BUILD)
	@python3 tests/mutants/run.py --check

# The shipped alerting rules (contrib/prometheus): valid, and their unit
# tests pass (promtool, from Debian's prometheus package). That they read
# only exported metrics is t_metrics_contrib's.
check-rules:
	@promtool check rules contrib/prometheus/relais.rules.yml
	@cd contrib/prometheus && promtool test rules relais.rules.test.yml

# Every shell script of the tree passes shellcheck (Debian's 0.9), all its
# checks; the scenarios with the settings of tests/integration/.shellcheckrc
# (what they do on purpose), the rest with none left out.
SHELL_SCRIPTS := .ci/run tests/mutants/run debian/relais.postrm \
	debian/relais.prerm $(wildcard bench/*.sh tests/*.sh tests/integration/*.sh)
check-shell:
	@shellcheck -x $(SHELL_SCRIPTS)

# The README's test command: install what is missing, then every test.
check: deps
	@$(MAKE) --no-print-directory check-unit check-layout check-rules check-shell \
	    check-fuzz check-integration check-clocks

# Every fuzz target builds and takes its seeds (each once, no new inputs):
# a target that no longer links, or a seed that found a bug, fails here.
check-fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		$(FUZZ_BUILD)/fuzz_$$t -runs=0 tests/fuzz/seeds/$$t \
		    > $(FUZZ_BUILD)/seeds-$$t.log 2>&1 || { \
			tail -n 20 $(FUZZ_BUILD)/seeds-$$t.log; \
			echo "check-fuzz: $$t failed on its seeds"; exit 1; }; \
	done; echo "fuzz seeds: $(words $(FUZZ_TARGETS)) targets passed"

check-sanitize: deps
	@$(MAKE) --no-print-directory SANITIZE=1 check-unit check-integration

# Each listed one-line mutant (tests/mutants/*.txt) must make a test fail;
# MUTANTS="name ..." runs only those.
mutants: deps
	@sh tests/mutants/run $(MUTANTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash tests/demo.sh $(BUILD)

# BENCH_SECTIONS: "compare" (relais next to the Node peer, into the same
# nginx sink: bench/compare.sh) then "budgets" (DESIGN.md's: bench/bench.sh);
# their variables are listed at the top of each script.
BENCH_SECTIONS ?= compare budgets
bench: deps
	@sh bench/deps.sh
	@$(MAKE) --no-print-directory all $(BUILD)/producer $(BUILD)/bench-match
	@for s in $(BENCH_SECTIONS); do \
		case $$s in \
		compare) sh bench/compare.sh $(BUILD) || exit 1 ;; \
		budgets) sh bench/bench.sh $(BUILD) || exit 1 ;; \
		*) echo "bench: no section $$s (compare, budgets)"; exit 1 ;; \
		esac; \
	done

# About a minute; SOAK_EVENTS, SOAK_INSTANCES, SOAK_KILLS, ... are listed
# at the top of tests/soak.sh. Fails if a message was lost or accepted twice.
soak: deps
	@$(MAKE) --no-print-directory all $(BUILD)/producer
	@bash tests/soak.sh $(BUILD)

# Each target runs on build-fuzz/corpus/NAME (new inputs) plus its seeds;
# crashes land in build-fuzz/NAME-crash-*. Fails if any target failed.
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@failed=""; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/fuzz_$$t $(FUZZ_RUN) \
		    -artifact_prefix=$(FUZZ_BUILD)/$$t- \
		    $(FUZZ_BUILD)/corpus/$$t tests/fuzz/seeds/$$t || \
		    failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi; \
	echo "fuzz: no crash"

# Binaries, systemd files, and the configuration: an existing relais.yaml,
# template or /etc/default/relaisd is never overwritten (relais.yaml.dist is
# always the shipped one), nor are existing directories' modes changed (an
# operator may restrict them). The README goes where the unit's
# Documentation= points.
INSTALL_CONF := $(DESTDIR)$(SYSCONFDIR)/relais
INSTALL_DEFAULT := $(DESTDIR)$(SYSCONFDIR)/default/relaisd
install: all man
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(SBINDIR)" \
	    "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" \
	    "$(DESTDIR)$(TMPFILESDIR)" "$(DESTDIR)$(DOCDIR)"
	install -m 0755 $(BUILD)/relaisd "$(DESTDIR)$(SBINDIR)/"
	install -m 0755 $(BUILD)/relaisctl "$(DESTDIR)$(BINDIR)/"
	sed -e 's|/usr/sbin/relaisd|$(SBINDIR)/relaisd|g' \
	    -e 's|/usr/share/doc/relais/|$(DOCDIR)/|g' \
	    -e 's|/etc/relais/|$(SYSCONFDIR)/relais/|g' \
	    -e 's|/etc/default/|$(SYSCONFDIR)/default/|g' \
	    systemd/relaisd.service > $(BUILD)/relaisd.service
	install -m 0644 $(BUILD)/relaisd.service "$(DESTDIR)$(UNITDIR)/relaisd.service"
	install -m 0644 systemd/relais.sysusers "$(DESTDIR)$(SYSUSERSDIR)/relais.conf"
	install -m 0644 systemd/relais.tmpfiles "$(DESTDIR)$(TMPFILESDIR)/relais.conf"
	install -d "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5" \
	    "$(DESTDIR)$(MANDIR)/man8"
	install -m 0644 $(BUILD)/man/relaisctl.1 "$(DESTDIR)$(MANDIR)/man1/relaisctl.1"
	install -m 0644 $(BUILD)/man/relais.yaml.5 "$(DESTDIR)$(MANDIR)/man5/relais.yaml.5"
	install -m 0644 $(BUILD)/man/relaisd.8 "$(DESTDIR)$(MANDIR)/man8/relaisd.8"
	install -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"
	@if [ -e "$(INSTALL_DEFAULT)" ]; then \
		echo "install: kept $(INSTALL_DEFAULT)"; \
	else \
		install -d "$(dir $(INSTALL_DEFAULT))" && \
		install -m 0644 systemd/relaisd.default "$(INSTALL_DEFAULT)"; \
	fi
	@for d in "$(INSTALL_CONF)" "$(INSTALL_CONF)/templates"; do \
		[ -d "$$d" ] || install -d -m 0755 "$$d" || exit 1; \
	done
	install -m 0644 config/relais.yaml "$(INSTALL_CONF)/relais.yaml.dist"
	install -m 0644 config/noc2021.tsv config/noc2021.SOURCE.md \
	    "$(INSTALL_CONF)/"
	@if [ -e "$(INSTALL_CONF)/relais.yaml" ]; then \
		echo "install: kept $(INSTALL_CONF)/relais.yaml" \
		    "(the shipped one is relais.yaml.dist)"; \
	else \
		install -m 0644 config/relais.yaml "$(INSTALL_CONF)/relais.yaml"; \
	fi
	@cd config/templates && find . -type d | sort | while read -r d; do \
		t="$(INSTALL_CONF)/templates/$${d#./}"; \
		[ -d "$$t" ] || install -d -m 0755 "$$t" || exit 1; \
	done
	@cd config/templates && find . -type f | sort | while read -r f; do \
		f=$${f#./}; t="$(INSTALL_CONF)/templates/$$f"; \
		if [ ! -e "$$t" ]; then \
			install -m 0644 "$$f" "$$t" || exit 1; \
		elif ! cmp -s "$$f" "$$t"; then \
			echo "install: kept modified $$t" \
			    "(the shipped one is config/templates/$$f)"; \
		fi; \
	done

# Never removes the configuration (/etc/relais, /etc/default/relaisd) nor
# the state (/var/lib/relais).
uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/relaisd" "$(DESTDIR)$(BINDIR)/relaisctl" \
	    "$(DESTDIR)$(DOCDIR)/README.md" \
	    "$(DESTDIR)$(UNITDIR)/relaisd.service" \
	    "$(DESTDIR)$(SYSUSERSDIR)/relais.conf" \
	    "$(DESTDIR)$(TMPFILESDIR)/relais.conf" \
	    "$(DESTDIR)$(MANDIR)/man1/relaisctl.1" \
	    "$(DESTDIR)$(MANDIR)/man5/relais.yaml.5" \
	    "$(DESTDIR)$(MANDIR)/man8/relaisd.8"
	rmdir "$(DESTDIR)$(DOCDIR)" 2>/dev/null || true

# The Debian package (debian/): dpkg-buildpackage writes next to the tree it
# builds, so it builds a copy in $(BUILD)/deb/ and the results (.deb, dbgsym,
# .buildinfo, .changes) stay there. The copy builds with Debian's flags in its
# own build/, whatever this make was given (SANITIZE, BUILD). lintian, when
# installed, must find no error or warning. DEB_BUILD_OPTIONS passes through:
# nocheck (with DEB_BUILD_PROFILES=nocheck) skips the unit tests.
DEB_DIR := $(BUILD)/deb
# test_tmpl reads the Mustache spec from outside the tree (../shared): the
# copy is elsewhere, so it is told where.
DEB_SPEC_DIR := $(abspath $(or $(MUSTACHE_SPEC_DIR),../shared/conformance/mustache))
DEB_SRC := $(DEB_DIR)/relais-$(VERSION)
.PHONY: deb
deb:
	rm -rf "$(DEB_DIR)"
	mkdir -p "$(DEB_SRC)"
	tar -cf - --exclude=./.git --exclude='./build*' --exclude="./$(BUILD)" \
	    --exclude="./$(FUZZ_BUILD)" . | tar -xf - -C "$(DEB_SRC)"
	cd "$(DEB_SRC)" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    -u SANITIZE -u BUILD MUSTACHE_SPEC_DIR="$(DEB_SPEC_DIR)" \
	    dpkg-buildpackage -us -uc -b
	rm -rf "$(DEB_SRC)"
	@if command -v lintian > /dev/null; then \
		echo "lintian $(DEB_DIR)/*.changes"; \
		lintian --fail-on error,warning "$(DEB_DIR)"/relais_*.changes; \
	else \
		echo "deb: lintian not installed, not checked"; \
	fi
	@ls "$(DEB_DIR)"/*.deb

clean:
	rm -rf build build-san build-deb-root $(FUZZ_BUILD)

-include $(ALL_OBJS:.o=.d)
