# Homebrew formula for tfauth.  The url is that of the tarball `make dist`
# makes (tfauth-VERSION.tar.gz), once published; sha256 is its
# `shasum -a 256`.  The install layout is the Makefile's (mk/install.mk);
# tests/integration/packaging.sh checks that the files listed in `test`
# are what `make install` puts under the prefix.
class Tfauth < Formula
  desc "Fix the AWS credential failures around Terraform"
  homepage "https://github.com/OWNER/tfauth"
  url "https://github.com/OWNER/tfauth/releases/download/v0.1.0/tfauth-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  # No license chosen yet (no LICENSE file in the sources).
  # license "..."

  # Linux only: the tools find their helper through /proc/self/exe and
  # use flock(2) and /dev/tty as on Linux; macOS is untested.
  depends_on "pkgconf" => :build
  depends_on "curl"
  depends_on "expat"
  depends_on "inih"
  depends_on "jansson"
  depends_on :linux
  depends_on "openssl@3"
  depends_on "readline"

  # Every file `make install` puts under the prefix.
  INSTALLED = %w[
    bin/tfauth
    bin/tfauth-doctor
    bin/tfauth-env
    bin/tfauth-profile
    bin/tfauth-refresh
    bin/tfauth-run
    libexec/tfauth/tfauth-keycheck
    lib/libtfauth.so.0.1.0
    lib/libtfauth.so.0
    lib/libtfauth.so
    lib/libtfauth.a
    lib/pkgconfig/tfauth.pc
    include/tfauth/*.h
    share/tfauth/tfauth.bash
    share/tfauth/tfauth.zsh
    share/tfauth/tfauth.fish
    share/bash-completion/completions/tfauth
    share/bash-completion/completions/tfauth-doctor
    share/bash-completion/completions/tfauth-env
    share/bash-completion/completions/tfauth-profile
    share/bash-completion/completions/tfauth-refresh
    share/bash-completion/completions/tfauth-run
    share/zsh/site-functions/_tfauth
    share/fish/vendor_completions.d/tfauth.fish
    share/fish/vendor_completions.d/tfauth-doctor.fish
    share/fish/vendor_completions.d/tfauth-env.fish
    share/fish/vendor_completions.d/tfauth-profile.fish
    share/fish/vendor_completions.d/tfauth-refresh.fish
    share/fish/vendor_completions.d/tfauth-run.fish
    share/man/man1/tfauth.1
    share/man/man1/tfauth-doctor.1
    share/man/man1/tfauth-env.1
    share/man/man1/tfauth-profile.1
    share/man/man1/tfauth-refresh.1
    share/man/man1/tfauth-run.1
    share/man/man7/tfauth.7
  ].freeze

  # Bash completions stay in share/bash-completion/completions (loaded on
  # demand by bash-completion@2); zsh's dir is named, since the Makefile
  # would pick vendor-completions on a Debian host.
  def install
    system "make", "install", "PREFIX=#{prefix}",
           "ZSHCOMPDIR=#{zsh_completion}",
           "FISHCOMPDIR=#{fish_completion}"
  end

  test do
    INSTALLED.each do |f|
      refute_empty Dir[prefix/f], "#{f} is not installed"
    end
    assert_match "tfauth #{version}", shell_output("#{bin}/tfauth --version")
    (testpath/"t.c").write <<~C
      #include <tfauth/ctx.h>
      extern char **environ;
      int main(void) { struct tfa_ctx c; tfa_ctx_init(&c, environ); tfa_ctx_dispose(&c); return 0; }
    C
    flags = shell_output("pkg-config --cflags --libs tfauth").split
    system ENV.cc, "t.c", "-o", "t", *flags
    system "./t"
  end
end
