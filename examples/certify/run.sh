#!/usr/bin/env bash
# The certification walkthrough of docs/certify.md, end to end:
#   1. certify vaultcheck serve (by URL) for core and extended, and verify the bundle;
#   2. a declared known failure: the same product with a bug in an optional requirement;
#   3. an unexpected pass: that declaration against a fake without the bug;
#   4. a tampered bundle, and a bundle checked against a key that did not sign it;
#   5. a required check declared a known failure, refused before anything runs.
# Each step checks the exit code it must give; the script fails at the first that differs.
#
#   make build && examples/certify/run.sh          # or: make certify-example
#
# Against a URL the keys are fresh (about a second of CPU per RSA-4096 key): on 2 cores each
# certification takes a few minutes. VC, OUT and PORT change the binary, the output folder and
# the first of the two loopback ports the fakes listen on.
set -u

VC=${VC:-bin/vaultcheck}
OUT=${OUT:-out/certify-example}
PORT=${PORT:-18471}
HERE=$(cd "$(dirname "$0")" && pwd)
CLEAN_URL=http://127.0.0.1:$PORT
BUGGY_URL=http://127.0.0.1:$((PORT + 1))

if [ -e "$OUT" ]; then
  echo "run.sh: $OUT exists; bundles are never overwritten: remove it or set OUT" >&2
  exit 2
fi
mkdir -p "$OUT"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT

# serve ADDR [FLAGS...]: start a fake Vault and wait until it answers.
serve() {
  local addr=$1; shift
  "$VC" serve --quiet --addr "$addr" "$@" >/dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "run.sh: vaultcheck serve on $addr did not start" >&2
  exit 3
}

# expect CODE WHAT CMD...: run CMD, show its output, and check its exit code.
expect() {
  local want=$1 what=$2; shift 2
  echo
  echo "== $what"
  echo "\$ $*"
  "$@"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "run.sh: $what: exit $got, want $want" >&2
    exit 1
  fi
  echo "-> exit $got, as it must"
}

serve "127.0.0.1:$PORT"
serve "127.0.0.1:$((PORT + 1))" --fault onshare-shows-owner

# A signing key of the vendor's own (openssl genpkey -algorithm ed25519 writes the same PEM);
# without --signing-key, certify makes a fresh key and prints its public half.
KEY=()
if command -v openssl >/dev/null && openssl genpkey -algorithm ed25519 -out "$OUT/vendor.pem" 2>/dev/null; then
  KEY=(--signing-key "$OUT/vendor.pem")
fi

expect 0 "1. certify vaultcheck serve for core and extended" \
  "$VC" certify --declaration "$HERE/vendor.hcl" --target "$CLEAN_URL" --out "$OUT/clean" "${KEY[@]}"
expect 0 "1. verify its bundle with the vendor's public key" \
  "$VC" certify verify "$OUT/clean/bundle.tar.gz" --key "$OUT/clean/signer.pub"

expect 0 "2. a declared known failure: READ-OWNER-01 against a fake that shows the owner" \
  "$VC" certify --declaration "$HERE/known-failure.hcl" --target "$BUGGY_URL" --out "$OUT/known-failure" "${KEY[@]}"
expect 0 "2. verify it" \
  "$VC" certify verify "$OUT/known-failure/bundle" --key "$OUT/known-failure/signer.pub"

expect 1 "3. an unexpected pass: the same declaration against a fake without the bug" \
  "$VC" certify --declaration "$HERE/known-failure.hcl" --target "$CLEAN_URL" --out "$OUT/unexpected-pass" "${KEY[@]}"
expect 1 "3. verify it: consistent, and refused" \
  "$VC" certify verify "$OUT/unexpected-pass/bundle" --key "$OUT/unexpected-pass/signer.pub"

cp -r "$OUT/clean/bundle" "$OUT/tampered"
sed -i '0,/"status": "failed"\|"status": "passed"/s//"status": "skipped"/' "$OUT/tampered/results.json"
expect 7 "4. a tampered bundle: one status changed in results.json" \
  "$VC" certify verify "$OUT/tampered" --key "$OUT/clean/signer.pub"

OTHER=$OUT/known-failure/signer.pub # a fresh key of its own, when no openssl made the vendor's
if [ ${#KEY[@]} -gt 0 ]; then
  openssl genpkey -algorithm ed25519 -out "$OUT/other.pem" && openssl pkey -in "$OUT/other.pem" -pubout -out "$OUT/other.pub"
  OTHER=$OUT/other.pub
fi
expect 6 "4. the clean bundle checked against a key that did not sign it" \
  "$VC" certify verify "$OUT/clean/bundle.tar.gz" --key "$OTHER"

cat > "$OUT/must-known.hcl" <<'HCL'
product {
  name    = "vaultcheck serve"
  version = "devel"
  vendor  = "vaultcheck"
  contact = "https://github.com/vaultcheck/vaultcheck"
}
profiles = ["core"]
known_failure "SHARE-DEK-01" {
  reason   = "a required check cannot be excused"
  tracking = "https://github.com/vaultcheck/vaultcheck/issues/12"
}
HCL
expect 2 "5. a required check declared a known failure: refused before anything runs" \
  "$VC" certify --declaration "$OUT/must-known.hcl" --target "$CLEAN_URL" --out "$OUT/must-known"
echo
echo "All steps gave the exit codes they must. Bundles are in $OUT."
