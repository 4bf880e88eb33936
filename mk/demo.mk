# make demo: tfauth fixing Terraform's InvalidClientTokenId, told on the
# terminal, against local emulators (moto's server, the SSO emulator) and a
# throwaway HOME; needs python3 with moto[server] and boto3 (as make check
# does).  Your own ~/.aws is not read or touched.  tests/demo/demo.py.
demo: all
	@TFAUTH_BIN=$(abspath $(B)) python3 tests/demo/demo.py

.PHONY: demo
