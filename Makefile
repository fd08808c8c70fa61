# Build, test, demo and bench entry points. See README.md.
#   make          optimised (-O2 -g) library and apps: build/libstack.a, build/bin/*
#   make debug    the same at -O0 -g3, for stepping through TCP in gdb
#   make test     deps, then unit + sim (ASan+UBSan), fuzz corpus replay and netns suites
#   make fuzz     libFuzzer (clang, ASan+UBSan) on every tests/fuzz target, FUZZ_SECONDS each
#   make demo     the seed's session inside private namespaces
CC      ?= gcc
MODE    ?= release
STD      = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
ifeq ($(MODE),debug)
OPT      = -O0 -g3
else ifeq ($(MODE),asan)
OPT      = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(MODE),tsan)
OPT      = -O1 -g -fsanitize=thread -fno-omit-frame-pointer
else ifeq ($(MODE),fuzz)
OPT      = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OPT      = -O2 -g
endif
CFLAGS  ?=
CPPFLAGS = -I.
ALL_CFLAGS = $(STD) $(WARN) $(OPT) $(CFLAGS) -MMD -MP
LDLIBS   = -lm

BUILD   ?= build
OUT     := $(BUILD)
ifeq ($(MODE),asan)
OUT     := $(BUILD)/asan
endif
ifeq ($(MODE),fuzz)
OUT     := $(BUILD)/fuzz
endif
ifeq ($(MODE),tsan)
OUT     := $(BUILD)/tsan
endif
OBJ     := $(BUILD)/obj/$(MODE)
BIN     := $(OUT)/bin

LIB_SRC  := $(sort $(wildcard stack/*/*.c)) $(sort $(wildcard drivers/*.c))
APP_COMMON := $(filter $(wildcard apps/*.c),apps/common.c apps/loop.c apps/lookup.c apps/services.c apps/httpd.c)
APPS     := $(filter-out $(APP_COMMON),$(sort $(wildcard apps/*.c)))
APP_BINS := $(patsubst apps/%.c,$(BIN)/%,$(APPS))
LIB      := $(OUT)/libstack.a
LIB_OBJ  := $(patsubst %.c,$(OBJ)/%.o,$(LIB_SRC))
APPC_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(APP_COMMON))

UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
SIM_SRC  := $(sort $(wildcard tests/sim/*.c))
TCOMMON  := $(sort $(wildcard tests/common/*.c))
TCOMMON_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(filter-out tests/common/cunit_main.c,$(TCOMMON)))
UNIT_BIN := $(OUT)/tests/unit_tests
SIM_BIN  := $(OUT)/tests/sim_tests
# Fuzz targets tests/fuzz/fuzz_<name>.c: libFuzzer binaries (MODE=fuzz) and replay runners
# (tests/fuzz/replay_main.c, any compiler) that `make test` runs over tests/fuzz/corpus/<name>.
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS  := $(patsubst %,$(OUT)/tests/fuzz_%,$(FUZZ_NAMES))
REPLAY_BINS := $(patsubst %,$(OUT)/tests/replay_%,$(FUZZ_NAMES))
FUZZ_LIB_OBJ := $(patsubst %.c,$(OBJ)/%.o,$(filter-out tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c,$(wildcard tests/fuzz/*.c)))
FUZZ_SECONDS ?= 60
# packetdrill shared object (tools/packetdrill): the stack compiled again as PIC with hidden
# symbols, so only packetdrill_interface_init is exported; its loader test dlopens it.
PD_SRC   := $(sort $(wildcard stack/*/*.c)) $(sort $(wildcard tools/packetdrill/*.c))
PD_SO    := $(OUT)/lib/libstack-packetdrill.so
PD_TEST_SRC := $(sort $(wildcard tests/packetdrill/*.c))
PD_LOADER := $(OUT)/tests/packetdrill_loader

.SECONDARY:
.SECONDEXPANSION:

.PHONY: all debug test test-unit test-sim test-netns test-packetdrill demo bench bench-bins bench-check fuzz fuzz-bins fuzz-replay clean fmt lint deps tests

all: $(LIB) $(APP_BINS) $(PD_SO)

debug:
	rm -f $(BUILD)/bin/*
	$(MAKE) MODE=debug all

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(OBJ)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC PIC  $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(PD_SO): $(patsubst %.c,$(OBJ)/pic/%.o,$(PD_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -shared -pthread -o $@ $^ $(LDLIBS)

$(PD_LOADER): $(OBJ)/gen/packetdrill/cunit_main.o $(patsubst %.c,$(OBJ)/%.o,$(PD_TEST_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -pthread -o $@ $^ -lcunit -ldl

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(OBJ)/apps/%.o $(APPC_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Each suite runner's main() calls every `suite_*` function found in its sources.
$(OUT)/gen/%/suites.inc: $$(wildcard tests/$$*/*.c)
	@mkdir -p $(dir $@)
	grep -ho '^suite_[a-z0-9_]*' $(wildcard tests/$*/*.c) /dev/null | sort -u | sed 's/.*/X(&)/' > $@.tmp
	mv $@.tmp $@

$(OBJ)/gen/%/cunit_main.o: tests/common/cunit_main.c $(OUT)/gen/%/suites.inc
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(OUT)/gen/$* $(ALL_CFLAGS) -c $< -o $@

$(UNIT_BIN): $(OBJ)/gen/unit/cunit_main.o $(patsubst %.c,$(OBJ)/%.o,$(UNIT_SRC)) $(TCOMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -o $@ $^ -lcunit -lm

# The sim suite also drives stackd's services (tests/sim/test_services.c).
$(SIM_BIN): $(OBJ)/gen/sim/cunit_main.o $(patsubst %.c,$(OBJ)/%.o,$(SIM_SRC)) $(TCOMMON_OBJ) \
		$(OBJ)/apps/services.o $(OBJ)/apps/httpd.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -o $@ $^ -lcunit -lm

$(OUT)/tests/fuzz_%: $(OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(OUT)/tests/replay_%: $(OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ) $(OBJ)/tests/fuzz/replay_main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -o $@ $^ $(LDLIBS)

tests: $(UNIT_BIN) $(SIM_BIN) $(LIB) $(APP_BINS) $(REPLAY_BINS) $(PD_SO) $(PD_LOADER)

deps:
	@tools/deps.sh

# Unit and sim suites run under ASan+UBSan; the netns suite drives the ASan apps.
# Every suite runs even when an earlier one fails; the target fails if any did.
test: deps
	$(MAKE) MODE=asan tests
	$(MAKE) all
	@fail=""; \
	for t in "MODE=asan test-unit" "MODE=asan test-sim" "MODE=asan fuzz-replay" \
		 "MODE=asan test-packetdrill" "test-packetdrill" "MODE=tsan test-packetdrill" \
		 "MODE=asan test-netns"; do \
		$(MAKE) --no-print-directory $$t || fail="$$fail [$$t]"; \
	done; \
	if [ -n "$$fail" ]; then echo "make test: FAILED:$$fail"; exit 1; fi; \
	echo "make test: all suites passed"

# A hung suite fails (timeout) instead of holding CI to its limit.
test-unit:
	timeout 600 $(UNIT_BIN)

test-sim:
	timeout 900 $(SIM_BIN)

# The loader test dlopens the .so as packetdrill does (ASan+UBSan, TSan and plain builds).
test-packetdrill: $(PD_SO) $(PD_LOADER)
	PD_SO=$(PD_SO) timeout 300 $(PD_LOADER)

fuzz-replay: $(REPLAY_BINS)
	tools/fuzz.sh replay $(OUT)/tests $(FUZZ_NAMES)

test-netns:
	BIN=$(BIN) tests/netns/run.sh

demo: deps all
	tools/demo.sh

# tools/bench/*.c: the load generator, TAP forwarder, kernel HTTP server and in-process driver.
BENCH_BINS := $(patsubst tools/bench/%.c,$(OUT)/bench/%,$(wildcard tools/bench/*.c))
$(OUT)/bench/%: $(OBJ)/tools/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS) -o $@ $^ $(LDLIBS)

bench-bins: $(BENCH_BINS)

# make bench [QUICK=1]: tables in bench/results/; bench-check: instructions/MB vs baseline.
bench: deps all bench-bins
	BIN=$(BIN) BENCH_BIN=$(OUT)/bench QUICK=$(QUICK) tools/bench/bench.sh

bench-check: bench-bins
	BENCH_BIN=$(OUT)/bench tools/bench/bench.sh check

fuzz-bins: $(FUZZ_BINS)

fuzz:
	$(MAKE) MODE=fuzz CC=clang fuzz-bins
	FUZZ_SECONDS=$(FUZZ_SECONDS) tools/fuzz.sh run $(BUILD)/fuzz/tests $(FUZZ_NAMES)

clean:
	rm -rf $(BUILD)

FMT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_FILES)

lint:
	clang-format --dry-run -Werror $(FMT_FILES)
	tools/lint.sh

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
