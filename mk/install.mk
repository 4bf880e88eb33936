# make install / make uninstall, and libtfauth as a shared library.
#
#   make install PREFIX=/usr DESTDIR=/tmp/root
#   make uninstall PREFIX=/usr DESTDIR=/tmp/root     removes what install put
#   make install-list PREFIX=/usr                    the installed paths, one a line
#
# Directories (each overridable; DESTDIR is prepended to all of them):
#   BINDIR      $(PREFIX)/bin          the tools
#   LIBEXECDIR  $(PREFIX)/libexec      tfauth/tfauth-keycheck, an internal
#                                      helper: the tools look for it in
#                                      ../libexec/tfauth/ from themselves
#   LIBDIR      $(PREFIX)/lib          libtfauth.so.*, libtfauth.a, pkgconfig/
#   INCLUDEDIR  $(PREFIX)/include      tfauth/*.h (#include <tfauth/ctx.h>)
#   DATADIR     $(PREFIX)/share        tfauth/ (shell integration), completions
#   MANDIR      $(DATADIR)/man         man1/, man7/
#   BASHCOMPDIR $(DATADIR)/bash-completion/completions
#   ZSHCOMPDIR  $(DATADIR)/zsh/vendor-completions on Debian, else
#               $(DATADIR)/zsh/site-functions
#   FISHCOMPDIR $(DATADIR)/fish/vendor_completions.d
#   PKGCONFIGDIR $(LIBDIR)/pkgconfig

LIBDIR       ?= $(PREFIX)/lib
LIBEXECDIR   ?= $(PREFIX)/libexec
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR   ?= $(DATADIR)/zsh/$(if $(wildcard /etc/debian_version),vendor-completions,site-functions)
FISHCOMPDIR  ?= $(DATADIR)/fish/vendor_completions.d
INSTALL      ?= install

# --- the shared library ---
# libtfauth.so.MAJOR.MINOR.PATCH, soname libtfauth.so.MAJOR, exporting the
# tfa_* API only (mk/libtfauth.map).  Built from the same -fPIC objects as
# libtfauth.a, which the tools keep linking.
SO_MAJOR   := $(firstword $(subst ., ,$(VERSION)))
SO_REAL    := libtfauth.so.$(VERSION)
SO_NAME    := libtfauth.so.$(SO_MAJOR)
LIB_SO     := $(O)/$(SO_REAL)
LIB_MAP    := mk/libtfauth.map
PC_FILE    := $(O)/tfauth.pc

# Objects compiled before lib/ was built with -fPIC are rebuilt once: make
# does not see a change of flags, so they depend on this stamp, made when
# the Makefile is read (a missing file is never remade under .SECONDARY).
ifeq ($(wildcard $(O)/.fpic),)
  $(shell mkdir -p $(O) && touch $(O)/.fpic)
endif
$(LIB_OBJ): $(O)/.fpic

$(LIB_SO): $(LIB_OBJ) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script=$(LIB_MAP) \
	  -Wl,--no-undefined $(ALL_LDFLAGS) -o $@ $(LIB_OBJ) $(DEP_LIBS)
	ln -sf $(SO_REAL) $(O)/$(SO_NAME)
	ln -sf $(SO_REAL) $(O)/libtfauth.so

# libdir in the .pc says ${exec_prefix}/... when LIBDIR is under PREFIX.
PC_LIBDIR     = $(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

# Rewritten whenever a directory changes (the values are in the stamp).
$(PC_FILE): tfauth.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(PC_LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  tfauth.pc.in >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Without sanitizers, `make` builds the shared library too (cheap: the
# objects are shared), so that a link error shows at once.
ifeq ($(SANITIZE),)
all: $(LIB_SO)
endif
shlib: $(LIB_SO) $(LIB_A) $(PC_FILE)

# --- what is installed ---
INST_CMDS    := $(filter-out tfauth-keycheck,$(patsubst cmd/%.c,%,$(CMD_SRC)))
INST_HELPERS := tfauth-keycheck
INST_HDRS    := $(filter-out %_priv.h,$(wildcard lib/*.h))
INST_SHELL   := shell/tfauth.bash shell/tfauth.zsh shell/tfauth.fish
INST_MAN1    := $(wildcard man/*.1)
INST_MAN7    := $(wildcard man/*.7)
# Completions: one file, tfauth.bash or tfauth.fish, under the first name
# and linked under the others (each file registers every command); zsh's
# _tfauth names them all in its #compdef line.
COMP_NAMES   := $(INST_CMDS)

# Every installed path, DESTDIR not included (install-list prints it; the
# packaging test compares it with the RPM spec, the Homebrew formula and the
# Debian *.install files).
INSTALLED = \
  $(addprefix $(BINDIR)/,$(INST_CMDS)) \
  $(addprefix $(LIBEXECDIR)/tfauth/,$(INST_HELPERS)) \
  $(LIBDIR)/$(SO_REAL) $(LIBDIR)/$(SO_NAME) $(LIBDIR)/libtfauth.so \
  $(LIBDIR)/libtfauth.a $(PKGCONFIGDIR)/tfauth.pc \
  $(addprefix $(INCLUDEDIR)/tfauth/,$(notdir $(INST_HDRS))) \
  $(addprefix $(DATADIR)/tfauth/,$(notdir $(INST_SHELL))) \
  $(addprefix $(BASHCOMPDIR)/,$(COMP_NAMES)) \
  $(ZSHCOMPDIR)/_tfauth \
  $(addprefix $(FISHCOMPDIR)/,$(addsuffix .fish,$(COMP_NAMES))) \
  $(addprefix $(MANDIR)/man1/,$(notdir $(INST_MAN1))) \
  $(addprefix $(MANDIR)/man7/,$(notdir $(INST_MAN7)))

D := $(DESTDIR)

install: all $(LIB_SO) $(LIB_A) $(PC_FILE)
	$(INSTALL) -d $(D)$(BINDIR) $(D)$(LIBEXECDIR)/tfauth $(D)$(LIBDIR) \
	  $(D)$(PKGCONFIGDIR) $(D)$(INCLUDEDIR)/tfauth $(D)$(DATADIR)/tfauth \
	  $(D)$(BASHCOMPDIR) $(D)$(ZSHCOMPDIR) $(D)$(FISHCOMPDIR) \
	  $(D)$(MANDIR)/man1 $(D)$(MANDIR)/man7
	$(INSTALL) -m 755 $(addprefix $(B)/,$(INST_CMDS)) $(D)$(BINDIR)/
	$(INSTALL) -m 755 $(addprefix $(B)/,$(INST_HELPERS)) $(D)$(LIBEXECDIR)/tfauth/
	$(INSTALL) -m 644 $(LIB_SO) $(D)$(LIBDIR)/$(SO_REAL)
	ln -sf $(SO_REAL) $(D)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(D)$(LIBDIR)/libtfauth.so
	$(INSTALL) -m 644 $(LIB_A) $(D)$(LIBDIR)/libtfauth.a
	$(INSTALL) -m 644 $(PC_FILE) $(D)$(PKGCONFIGDIR)/tfauth.pc
	$(INSTALL) -m 644 $(INST_HDRS) $(D)$(INCLUDEDIR)/tfauth/
	$(INSTALL) -m 644 $(INST_SHELL) $(D)$(DATADIR)/tfauth/
	$(INSTALL) -m 644 completions/tfauth.bash $(D)$(BASHCOMPDIR)/tfauth
	for c in $(filter-out tfauth,$(COMP_NAMES)); do \
	  ln -sf tfauth $(D)$(BASHCOMPDIR)/$$c || exit 1; done
	$(INSTALL) -m 644 completions/_tfauth $(D)$(ZSHCOMPDIR)/_tfauth
	$(INSTALL) -m 644 completions/tfauth.fish $(D)$(FISHCOMPDIR)/tfauth.fish
	for c in $(filter-out tfauth,$(COMP_NAMES)); do \
	  ln -sf tfauth.fish $(D)$(FISHCOMPDIR)/$$c.fish || exit 1; done
	$(INSTALL) -m 644 $(INST_MAN1) $(D)$(MANDIR)/man1/
	$(INSTALL) -m 644 $(INST_MAN7) $(D)$(MANDIR)/man7/

# Removes exactly the files install put, then the directories that are
# tfauth's own (and empty); shared ones (bin, man1...) stay.
uninstall:
	rm -f $(addprefix $(D),$(INSTALLED))
	rmdir $(D)$(LIBEXECDIR)/tfauth $(D)$(INCLUDEDIR)/tfauth $(D)$(DATADIR)/tfauth 2>/dev/null || true

install-list:
	@for f in $(INSTALLED); do echo "$$f"; done

FORCE:

.PHONY: install uninstall install-list shlib FORCE
