# gnlab: a small explicit Makefile. Everything generated lands under $(BUILD).
# make            library build/libgnlab.a and program build/gnlab
# make verify     the main job (gnlab validate, gnlab prove), installing missing packages first
# make check      the TAP test suite under prove, installing missing packages first
# make sanitize   the test suite again under AddressSanitizer + UBSan
# make bench      the committed benchmarks (numbers go to README by hand)
# make notebooks  the worked walkthroughs into build/notebooks (QUICK=1: small sizes)
# make mpi        build/gnlab-mpi, the MPI front end of sharded campaigns (needs mpicc)

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
# -ffp-contract=off: gcc and clang then round the same way (no silent FMA contraction).
EXTRA    ?=
ALLCFLAGS = $(OPT) -g $(EXTRA) $(CFLAGS) -std=c17 -Wall -Wextra -Wpedantic -Werror -ffp-contract=off -fno-math-errno \
            -D_POSIX_C_SOURCE=200809L -Icore -Icore/ref -Ivalidate -Iproofs -Inotebooks -I$(BUILD)
PKGS     := mpfr gsl
DEPLIBS  := $(shell pkg-config --libs-only-L --libs-only-l mpfr 2>/dev/null || echo -lmpfr -lgmp) \
            -lgsl $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm
SANFLAGS := -fsanitize=address,undefined -fno-sanitize=float-divide-by-zero -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

# Library: every .c under the five areas except the program's own files.
CMDSRC   := $(wildcard core/cmd_*.c proofs/cmd_*.c validate/cmd_*.c notebooks/cmd_*.c)
LIBSRC   := $(filter-out validate/main.c $(CMDSRC),$(wildcard core/*.c core/ref/*.c proofs/*.c validate/*.c notebooks/*.c))
TESTSRC  := $(wildcard tests/test_*.c)
LIBOBJ   := $(LIBSRC:%.c=$(BUILD)/obj/%.o)
CMDOBJ   := $(CMDSRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/validate/main.o
TESTBIN  := $(TESTSRC:tests/%.c=$(BUILD)/tests/%)
HDRS     := $(wildcard core/*.h core/ref/*.h validate/*.h proofs/*.h notebooks/*.h)

.PHONY: all deps verify check sanitize bench clean notebooks notebooks-browser fuzz check-clients mpi mpi-bench check-mpi
all: $(BUILD)/libgnlab.a $(BUILD)/gnlab

deps:
	@bash .ci/deps.sh build test plot

$(BUILD)/obj/%.o: %.c $(HDRS) $(BUILD)/commands.inc
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

# The subcommand table: every line 'GN_COMMAND(name, "summary")' in a cmd_*.c file.
$(BUILD)/commands.inc: $(CMDSRC)
	@mkdir -p $(BUILD)
	@sed -n 's/^GN_COMMAND(\([a-z_]*\), *\(".*"\)).*/X(\1, \2)/p' $(sort $(CMDSRC)) > $@.tmp && mv $@.tmp $@

$(BUILD)/libgnlab.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gnlab: $(CMDOBJ) $(BUILD)/libgnlab.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) $(CMDOBJ) $(BUILD)/libgnlab.a $(DEPLIBS) -o $@

$(BUILD)/tests/%: tests/%.c tests/gn_test.h $(BUILD)/libgnlab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Itests $(LDFLAGS) $< $(BUILD)/libgnlab.a $(DEPLIBS) -lcmocka -o $@

verify: deps
	$(MAKE) all
	$(BUILD)/gnlab validate
	$(BUILD)/gnlab prove

check: deps
	$(MAKE) all $(TESTBIN)
	GN_BIN=$(BUILD)/gnlab GN_EXTRA="$(EXTRA)" prove -f --exec '' $(TESTBIN)

sanitize: deps
	$(MAKE) BUILD=build/san OPT=-O1 EXTRA="$(SANFLAGS)" check

# every benchmark runs even when an earlier one misses a target; the status says if any did
bench: deps
	$(MAKE) all
	st=0; $(BUILD)/gnlab bench || st=1; $(BUILD)/gnlab egn --bench || st=1; exit $$st

notebooks: deps
	$(MAKE) all
	$(BUILD)/gnlab notebook all $(if $(QUICK),--quick)

# libFuzzer on the trace reader of `gnlab audit` (clang; seeds in validate/fuzz/corpus)
FUZZ_SECONDS ?= 600
FUZZSAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz: deps
	@bash .ci/deps.sh fuzz
	$(MAKE) BUILD=build/fuzz CC=clang OPT=-O1 EXTRA="-fsanitize=fuzzer-no-link $(FUZZSAN)" build/fuzz/libgnlab.a
	clang -O1 -g -fsanitize=fuzzer $(FUZZSAN) -Icore -Icore/ref -Ivalidate validate/fuzz/fuzz_audit.c \
	  build/fuzz/libgnlab.a $(DEPLIBS) -o build/fuzz/fuzz_audit
	mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_audit -max_total_time=$(FUZZ_SECONDS) -max_len=8192 build/fuzz/corpus validate/fuzz/corpus

# the audit's real clients (PyTorch from Debian, TensorFlow.js from npm): installs them, then
# runs tests/test_audit with the client parts required instead of skipped
check-clients: deps
	@bash .ci/deps.sh clients
	@command -v node >/dev/null && command -v npm >/dev/null || bash .ci/deps.sh node
	cd validate/exporters && npm ci --no-audit --no-fund
	$(MAKE) all $(BUILD)/tests/test_audit
	GN_AUDIT_CLIENTS=require GN_BIN=$(BUILD)/gnlab prove -f --exec '' $(BUILD)/tests/test_audit

# The notebook site as a reader sees it: make notebooks QUICK=1, then the index and every
# notebook opened in headless Chromium over HTTP on 127.0.0.1 (notebooks/browser_check.sh:
# every image decodes, every link answers 200), screenshots under build/notebooks-shots.
# Negative control: the same check on a copy with one figure deleted must fail.
notebooks-browser:
	@bash .ci/deps.sh build test plot browser
	$(MAKE) notebooks QUICK=1
	bash notebooks/browser_check.sh build/notebooks build/notebooks-shots
	rm -rf build/notebooks-broken && cp -r build/notebooks build/notebooks-broken
	rm build/notebooks-broken/rank1/directions.svg
	! bash notebooks/browser_check.sh build/notebooks-broken build/notebooks-broken-shots >/dev/null 2>&1
	@echo "notebooks-browser: a site with a missing figure is rejected (negative control)"

# The MPI front end (validate/mpi/gnlab_mpi.c): only where mpicc exists (bash .ci/deps.sh mpi)
MPICC ?= mpicc
mpi: all
	@command -v $(MPICC) >/dev/null 2>&1 || { echo "make mpi: '$(MPICC)' not found: install OpenMPI (bash .ci/deps.sh mpi, i.e. libopenmpi-dev openmpi-bin) or set MPICC"; exit 1; }
	$(MPICC) $(ALLCFLAGS) $(LDFLAGS) validate/mpi/gnlab_mpi.c $(filter-out $(BUILD)/obj/validate/main.o,$(CMDOBJ)) \
	  $(BUILD)/libgnlab.a $(DEPLIBS) -o $(BUILD)/gnlab-mpi
mpi-bench:
	@bash .ci/deps.sh mpi
	$(MAKE) mpi
	bash validate/mpi/bench.sh $(BUILD)
check-mpi:
	@bash .ci/deps.sh build test mpi
	$(MAKE) mpi $(BUILD)/tests/test_mpi
	GN_BIN=$(BUILD)/gnlab GN_MPI_BIN=$(BUILD)/gnlab-mpi GN_MPI_REQUIRE=1 prove -f --exec '' $(BUILD)/tests/test_mpi

clean:
	rm -rf build
