# relais — one non-recursive GNU Makefile.
#   make            build/relaisd, build/relaisctl
#   make check      unit + integration tests (installs Debian packages when run as root)
#   make check-sanitize   the same under AddressSanitizer + UBSan, in build-san/
#   make demo       run relaisd for real against a private redis-server
#   make bench      throughput / latency / memory benchmark

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

PKGS    := libevent hiredis libcurl jansson yaml-0.1 libcrypto
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Werror
CFLAGS  ?= -O2 -g
VERSION := 0.1.0
CFLAGS  += -std=c11 -D_GNU_SOURCE -DRELAIS_VERSION=\"$(VERSION)\" $(WARN) -Idaemon -Ihandlers \
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
	daemon/log.c \
	daemon/diag.c \
	daemon/ynode.c \
	daemon/config.c \
	daemon/territory.c \
	daemon/envelope.c \
	daemon/tmpl.c \
	daemon/render.c \
	daemon/route.c \
	daemon/backoff.c \
	daemon/idkey.c \
	daemon/redis.c \
	daemon/queue.c \
	daemon/http.c \
	daemon/gw.c \
	daemon/gw_webhook.c \
	daemon/gw_outbox.c \
	daemon/pipeline.c \
	handlers/handlers.c \
	handlers/newcomer_arrived.c

RELAISD_SRCS   := daemon/main.c
RELAISCTL_SRCS := daemon/relaisctl.c
SINK_SRCS      := tests/sink/sink.c
BENCH_SRCS     := bench/producer.c

UNIT_TESTS := \
	test_ynode \
	test_envelope \
	test_tmpl \
	test_http \
	test_config \
	test_territory \
	test_backoff \
	test_idkey \
	test_route \
	test_handlers \
	test_render

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
ALL_OBJS := $(LIB_OBJS) $(RELAISD_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(RELAISCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(SINK_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(UNIT_TESTS:%=$(BUILD)/obj/tests/unit/%.o)
ALL_OBJS += $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all check check-unit check-integration check-sanitize demo bench \
	install clean deps
all: $(BUILD)/relaisd $(BUILD)/relaisctl $(BUILD)/sink

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

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

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/librelais.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

deps:
	@sh tests/deps.sh

check-unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(BUILD)

check-integration: all
	@sh tests/run-integration.sh $(BUILD)

# The README's test command: install what is missing, then every test.
check: deps
	@$(MAKE) --no-print-directory check-unit check-integration

check-sanitize: deps
	@$(MAKE) --no-print-directory SANITIZE=1 check-unit check-integration

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/producer
	@sh bench/bench.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/relaisd $(BUILD)/relaisctl $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build build-san

-include $(ALL_OBJS:.o=.d)
