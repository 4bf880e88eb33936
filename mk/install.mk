# make install / uninstall (see issue 7; to be completed).
install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)

.PHONY: install
