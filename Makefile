# gnlab: a small explicit Makefile. Everything generated lands under $(BUILD).
# make            library build/libgnlab.a and program build/gnlab
# make verify     the main job (gnlab validate, gnlab prove), installing missing packages first
# make check      the TAP test suite under prove, installing missing packages first
# make sanitize   the test suite again under AddressSanitizer + UBSan
# make bench      the committed benchmarks; the full report goes to build/bench/report.md
# make notebooks  the worked walkthroughs into build/notebooks (QUICK=1: small sizes)
# make mpi        build/gnlab-mpi, the MPI front end of sharded campaigns (needs mpicc)
# make man        gnlab(1) and gnlab-COMMAND(1) from --help (help2man) into build/man
# make install    PREFIX=DIR [DESTDIR=...]: program, libgnlab.a, headers, man pages, gnlab.pc
# make docs       regenerate docs/claims.md from gnlab prove --list
# The layers (docs/layout.md): core < core/ref < core/io < proofs < validate < notebooks < cli.

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
# -ffp-contract=off: gcc and clang then round the same way (no silent FMA contraction).
EXTRA    ?=
BASEFLAGS = $(OPT) -g $(EXTRA) $(CFLAGS) -std=c17 -Wall -Wextra -Wpedantic -Werror -ffp-contract=off -fno-math-errno \
            -D_POSIX_C_SOURCE=200809L
# The layers, lowest first. Each compiles with -I for itself and the layers below it only,
# so an include that reaches up a layer is a compile error; tests/test_layers checks calls.
LAYERS    := core core/ref core/io proofs validate notebooks cli
INC_core       := -Icore
INC_core/ref   := $(INC_core) -Icore/ref
INC_core/io    := $(INC_core/ref) -Icore/io
INC_proofs     := $(INC_core/io) -Iproofs
INC_validate   := $(INC_proofs) -Ivalidate
INC_notebooks  := $(INC_validate) -Inotebooks
INC_cli        := $(INC_validate) -Inotebooks -Icli -I$(BUILD)
ALLCFLAGS = $(BASEFLAGS) $(INC_cli)
PKGS     := mpfr gsl
DEPLIBS  := $(shell pkg-config --libs-only-L --libs-only-l mpfr 2>/dev/null || echo -lmpfr -lgmp) \
            -lgsl $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lz -lm
SANFLAGS := -fsanitize=address,undefined -fno-sanitize=float-divide-by-zero -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

# libgnlab.a is what a user links: core, core/ref and core/io. The checking layers (proofs,
# validate with its deliberately wrong mutants, notebooks) are archives of their own that
# only the program and the tests link.
layer_src = $(wildcard $(1)/*.c)
LIBSRC   := $(call layer_src,core) $(call layer_src,core/ref) $(call layer_src,core/io)
PROOFSRC := $(call layer_src,proofs)
VALSRC   := $(call layer_src,validate)
NBSRC    := $(call layer_src,notebooks)
CMDSRC   := $(wildcard cli/cmd_*.c)
CLISRC   := $(call layer_src,cli)
TESTSRC  := $(wildcard tests/test_*.c)
obj      = $(1:%.c=$(BUILD)/obj/%.o)
LIBOBJ   := $(call obj,$(LIBSRC))
CHECKLIBS := $(BUILD)/libgnlab-notebooks.a $(BUILD)/libgnlab-validate.a $(BUILD)/libgnlab-proofs.a \
             $(BUILD)/libgnlab.a
CMDOBJ   := $(call obj,$(CLISRC))
TESTBIN  := $(TESTSRC:tests/%.c=$(BUILD)/tests/%)
HDRS     := $(foreach l,$(LAYERS),$(wildcard $(l)/*.h))
# the layer a source file belongs to: its directory (cli/mpi counts as cli)
layer_of = $(patsubst %/,%,$(dir $(patsubst cli/mpi/%,cli/%,$(1))))

.PHONY: all deps verify check sanitize bench clean notebooks notebooks-browser fuzz check-clients mpi mpi-bench check-mpi
all: $(CHECKLIBS) $(BUILD)/gnlab

deps:
	@bash .ci/deps.sh build test plot

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(INC_$(call layer_of,$<)) -c $< -o $@

# The subcommand table: every line 'CLI_COMMAND(name, "summary")' in a cmd_*.c file.
$(BUILD)/commands.inc: $(CMDSRC)
	@mkdir -p $(BUILD)
	@sed -n 's/^CLI_COMMAND(\([a-z_]*\), *\(".*"\)).*/X(\1, \2)/p' $(sort $(CMDSRC)) > $@.tmp && \
	  { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }
# only the program's table needs it (regenerated when a command is added or renamed)
$(BUILD)/obj/cli/main.o: $(BUILD)/commands.inc

$(BUILD)/libgnlab.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libgnlab-proofs.a: $(call obj,$(PROOFSRC))
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libgnlab-validate.a: $(call obj,$(VALSRC))
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libgnlab-notebooks.a: $(call obj,$(NBSRC))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gnlab: $(CMDOBJ) $(CHECKLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) $(CMDOBJ) $(CHECKLIBS) $(DEPLIBS) -o $@

$(BUILD)/tests/%: tests/%.c tests/gn_test.h $(CHECKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Itests $(LDFLAGS) $< $(CHECKLIBS) $(DEPLIBS) -lcmocka -o $@

# test_audit_screen compiles test_audit.c in (every trace of it audited screened and exact)
$(BUILD)/tests/test_audit_screen: tests/test_audit.c

verify: deps
	$(MAKE) all
	$(BUILD)/gnlab validate
	$(BUILD)/gnlab prove

check: deps
	$(MAKE) all $(TESTBIN)
	GN_BIN=$(BUILD)/gnlab GN_EXTRA="$(EXTRA)" GN_BUILD=$(BUILD) GN_LAYERS="$(LAYERS)" GN_INC_CORE="$(INC_core)" \
	  prove -f --exec '' $(TESTBIN) tests/test_layers.sh tests/test_contracts.sh tests/test_install.sh

sanitize: deps
	$(MAKE) BUILD=build/san OPT=-O1 EXTRA="$(SANFLAGS)" check

# every benchmark runs even when an earlier one misses a target; the status says if any did.
# PyTorch (python3-torch, .ci/deps.sh bench) is installed when missing and required: if it
# still cannot be imported its rows are MISS with the reason. The whole report, the DG rows
# of `gnlab egn --bench` appended, goes to $(BUILD)/bench/report.md (docs/performance.md).
BENCH_REPORT = $(BUILD)/bench/report.md
bench: deps
	@bash .ci/deps.sh bench || echo "make bench: python3-torch is not installed; the PyTorch targets will be MISS"
	$(MAKE) all
	@mkdir -p $(BUILD)/bench
	st=0; eg=0; $(BUILD)/gnlab bench --require-torch --report $(BENCH_REPORT) || st=1; \
	$(BUILD)/gnlab egn --bench > $(BUILD)/bench/egn.txt 2>&1 || { st=1; eg=1; }; cat $(BUILD)/bench/egn.txt; \
	$(BUILD)/gnlab fit --bench validate/data/nist > $(BUILD)/bench/fit.txt 2>&1 || st=1; cat $(BUILD)/bench/fit.txt; \
	py=$$(for p in python3 /usr/bin/python3; do $$p -c 'import torch' 2>/dev/null && { echo $$p; break; }; done); \
	if [ -n "$$py" ]; then $$py validate/exporters/bench_recorder.py $(BUILD)/gnlab > $(BUILD)/bench/recorder.txt 2>&1 || st=1; \
	else echo "bench_recorder: MISSING (no python3 with torch: .ci/deps.sh clients)" > $(BUILD)/bench/recorder.txt; st=1; fi; \
	cat $(BUILD)/bench/recorder.txt; \
	{ printf '\n## Duncan-Guttman solve (gnlab egn --bench: %s)\n\n```\n' \
	    "$$( [ $$eg -eq 0 ] && echo 'every target PASS' || echo 'a target MISSED, see the verdicts' )"; \
	  cat $(BUILD)/bench/egn.txt; printf '```\n\n## NIST StRD fits beside GSL (gnlab fit --bench)\n\n```\n'; \
	  cat $(BUILD)/bench/fit.txt; printf '```\n\n## A recorded PyTorch run audited (validate/exporters/bench_recorder.py)\n\n```\n'; \
	  cat $(BUILD)/bench/recorder.txt; printf '```\n\nmake bench exit status: %s\n' $$st; } >> $(BENCH_REPORT) || st=2; \
	echo "make bench: report in $(BENCH_REPORT)"; exit $$st

notebooks: deps
	$(MAKE) all
	$(BUILD)/gnlab notebook all $(if $(QUICK),--quick)

# libFuzzer on every reader, FUZZ_SECONDS each (clang; fuzz/README.md): the expression
# compiler, the NIST reader, the CSV reader, the audit's trace reader (then the whole audit),
# the shard reader of `gnlab merge`. Seeds in fuzz/corpus/NAME, replayed by
# tests/test_fuzz_corpus in make check; new inputs go to build/fuzz/corpus-NAME. One harness:
# make fuzz FUZZ_HARNESSES=audit. (merge's harness prints every refusal: its stderr is closed,
# a crash is still saved as crash-* and found by the exit status.)
FUZZ_SECONDS ?= 600
FUZZ_HARNESSES := expr nist csv plant audit merge
FUZZSAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZLIBS := build/fuzz/libgnlab-validate.a build/fuzz/libgnlab-proofs.a build/fuzz/libgnlab.a
.PHONY: fuzz-build
fuzz-build: deps
	@bash .ci/deps.sh fuzz
	$(MAKE) BUILD=build/fuzz CC=clang OPT=-O1 EXTRA="-fsanitize=fuzzer-no-link $(FUZZSAN)" $(FUZZLIBS)
	for h in $(FUZZ_HARNESSES); do \
	  clang -O1 -g -fsanitize=fuzzer $(FUZZSAN) $(INC_validate) fuzz/fuzz_$$h.c $(FUZZLIBS) \
	    $(DEPLIBS) -o build/fuzz/fuzz_$$h || exit 1; \
	done
fuzz: fuzz-build
	for h in $(FUZZ_HARNESSES); do \
	  mkdir -p build/fuzz/corpus-$$h && \
	  build/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
	    $$(case $$h in merge) echo -max_len=65536 -close_fd_mask=2;; *) echo -max_len=8192;; esac) \
	    build/fuzz/corpus-$$h fuzz/corpus/$$h || exit 1; \
	done

# the audit's real clients (PyTorch from Debian, TensorFlow.js from npm): installs them, then
# runs tests/test_audit with the client parts required instead of skipped
check-clients: deps
	@bash .ci/deps.sh clients
	@command -v node >/dev/null && command -v npm >/dev/null || bash .ci/deps.sh node
	cd validate/exporters && npm ci --no-audit --no-fund
	$(MAKE) all $(BUILD)/tests/test_audit $(BUILD)/tests/test_audit_batch
	GN_AUDIT_CLIENTS=require GN_BIN=$(BUILD)/gnlab prove -f --exec '' $(BUILD)/tests/test_audit $(BUILD)/tests/test_audit_batch

# The notebook site as a reader sees it: make notebooks QUICK=1, then the index and every
# notebook opened in headless Chromium over HTTP on 127.0.0.1 (notebooks/browser_check.sh:
# every image decodes, every link answers 200, no figure text below 11 px as shown),
# screenshots under build/notebooks-shots. Negative controls: the same check on a copy with
# one figure deleted, and on one with a figure's text shrunk to 6 px, must fail.
notebooks-browser:
	@bash .ci/deps.sh build test plot browser
	$(MAKE) notebooks QUICK=1
	bash notebooks/browser_check.sh build/notebooks build/notebooks-shots
	rm -rf build/notebooks-broken && cp -r build/notebooks build/notebooks-broken
	rm build/notebooks-broken/rank1/directions.svg
	! bash notebooks/browser_check.sh build/notebooks-broken build/notebooks-broken-shots >/dev/null 2>&1
	@echo "notebooks-browser: a site with a missing figure is rejected (negative control)"
	rm -rf build/notebooks-tiny && cp -r build/notebooks build/notebooks-tiny
	sed -i 's/font-size="15.00"/font-size="6.00"/g' build/notebooks-tiny/scale/curves.svg
	bash notebooks/browser_check.sh build/notebooks-tiny build/notebooks-tiny-shots 2>&1 | grep -q 'scale/index.html: curves.svg draws'
	@echo "notebooks-browser: a figure with 6 px text is rejected (negative control)"

# The MPI front end (cli/mpi/gnlab_mpi.c): only where mpicc exists (bash .ci/deps.sh mpi)
MPICC ?= mpicc
mpi: all
	@command -v $(MPICC) >/dev/null 2>&1 || { echo "make mpi: '$(MPICC)' not found: install OpenMPI (bash .ci/deps.sh mpi, i.e. libopenmpi-dev openmpi-bin) or set MPICC"; exit 1; }
	$(MPICC) $(ALLCFLAGS) $(LDFLAGS) cli/mpi/gnlab_mpi.c $(filter-out $(BUILD)/obj/cli/main.o,$(CMDOBJ)) \
	  $(CHECKLIBS) $(DEPLIBS) -o $(BUILD)/gnlab-mpi
mpi-bench:
	@bash .ci/deps.sh mpi
	$(MAKE) mpi
	bash cli/mpi/bench.sh $(BUILD)
check-mpi:
	@bash .ci/deps.sh build test mpi
	$(MAKE) mpi $(BUILD)/tests/test_mpi
	GN_BIN=$(BUILD)/gnlab GN_MPI_BIN=$(BUILD)/gnlab-mpi GN_MPI_REQUIRE=1 prove -f --exec '' $(BUILD)/tests/test_mpi

clean:
	rm -rf build

# ---- documentation and installation --------------------------------------------------------
# make man      gnlab(1) and gnlab-COMMAND(1) into $(BUILD)/man, from --help by help2man
# make docs     docs/claims.md from `gnlab prove --list` (tests/test_install.sh fails on drift)
# make install  PREFIX=DIR (default /usr/local; DESTDIR honoured): bin/gnlab, lib/libgnlab.a,
#               include/gnlab/*.h, share/man/man1/*.1, lib/pkgconfig/gnlab.pc
PREFIX      ?= /usr/local
DESTDIR     ?=
bindir      := $(PREFIX)/bin
libdir      := $(PREFIX)/lib
includedir  := $(PREFIX)/include
mandir      := $(PREFIX)/share/man
GN_VERSION  ?= 0.1
# the program prints the same version its man pages carry
$(BUILD)/obj/cli/main.o: BASEFLAGS += -DGN_VERSION=$(GN_VERSION)
COMMANDS    := $(sort $(patsubst cli/cmd_%.c,%,$(CMDSRC)))
MANPAGES    := $(BUILD)/man/gnlab.1 $(COMMANDS:%=$(BUILD)/man/gnlab-%.1)
# what a user compiles against: libgnlab's layers, without the core's private headers
PUBHDRS     := $(filter-out core/gn_internal.h core/scaled.h core/kern_impl.h,$(wildcard core/*.h)) \
               $(wildcard core/ref/*.h) $(wildcard core/io/*.h)
# man pages carry the date of the last commit, so two builds of one tree give the same bytes
MANDATE     := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
HELP2MAN     = SOURCE_DATE_EPOCH=$(MANDATE) help2man -N --no-discard-stderr --version-string=$(GN_VERSION) \
               --include=$(BUILD)/man/see-also.h2m

.PHONY: man docs install
man: $(MANPAGES)

$(BUILD)/man/see-also.h2m: $(CMDSRC)
	@bash .ci/deps.sh docs
	@mkdir -p $(dir $@)
	@{ echo '[SEE ALSO]'; printf '.BR gnlab (1),\n'; \
	   for c in $(COMMANDS); do printf '.BR gnlab-%s (1),\n' $$c; done; \
	   echo 'and the pages under docs/ in the source tree (docs/COMMAND.md, docs/exit-status.md).'; } > $@

# help2man names a page after the program it runs and reads "Usage:" lines as the SYNOPSIS,
# so each page runs a two-line wrapper $(BUILD)/man/bin/gnlab[-COMMAND] that calls
# docs/help2man.sh (the usage block in help2man's form); NAME's line is the command's summary.
man_wrapper = @mkdir -p $(BUILD)/man/bin && printf '\043!/bin/sh\nexec sh "%s" "%s" %s "$$@"\n' \
  '$(abspath docs/help2man.sh)' '$(abspath $(BUILD)/gnlab)' '$(2)' > $(1) && chmod +x $(1)

$(BUILD)/man/gnlab.1: $(BUILD)/gnlab $(BUILD)/man/see-also.h2m docs/help2man.sh
	$(call man_wrapper,$(BUILD)/man/bin/gnlab,)
	$(HELP2MAN) -n 'Gauss-Newton methods for machine learning, made checkable' -o $@ $(BUILD)/man/bin/gnlab

$(BUILD)/man/gnlab-%.1: $(BUILD)/gnlab $(BUILD)/man/see-also.h2m $(BUILD)/commands.inc docs/help2man.sh
	$(call man_wrapper,$(BUILD)/man/bin/gnlab-$*,$*)
	$(HELP2MAN) -n "$$(sed -n 's/^X($*, *"\(.*\)")$$/\1/p' $(BUILD)/commands.inc)" -o $@ $(BUILD)/man/bin/gnlab-$*

# docs/claims.md as `make docs` writes it; the test compares the committed page with this
CLAIMS_MD_HEAD := '\# Claims checked by gnlab prove' '' \
  'Generated by `make docs` from `gnlab prove --list`: do not edit (`make check` fails when' \
  'this page and the program disagree). How the claims are checked and what was measured:' \
  '[prove.md](prove.md).' '' 'Each claim: its id and statement (MATH.md numbering), the two sides it compares, and' \
  'the mutants (plausible wrong formulas) that `gnlab prove --mutants` must reject.' ''
$(BUILD)/docs/claims.md: $(BUILD)/gnlab
	@mkdir -p $(dir $@)
	{ printf '%s\n' $(CLAIMS_MD_HEAD) '```'; $(BUILD)/gnlab prove --list; printf '%s\n' '```'; } > $@.tmp
	@mv $@.tmp $@
docs: $(BUILD)/docs/claims.md
	cp $< docs/claims.md

# gnlab.pc is written at install time, so it always carries this PREFIX
install: all man
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir)/gnlab \
	  $(DESTDIR)$(mandir)/man1
	install -m 755 $(BUILD)/gnlab $(DESTDIR)$(bindir)/gnlab
	install -m 644 $(BUILD)/libgnlab.a $(DESTDIR)$(libdir)/libgnlab.a
	install -m 644 $(PUBHDRS) $(DESTDIR)$(includedir)/gnlab/
	install -m 644 $(MANPAGES) $(DESTDIR)$(mandir)/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(GN_VERSION)|' -e 's|@DEPLIBS@|$(strip $(DEPLIBS))|' \
	  gnlab.pc.in > $(DESTDIR)$(libdir)/pkgconfig/gnlab.pc
	chmod 644 $(DESTDIR)$(libdir)/pkgconfig/gnlab.pc
