# A FROM scratch image of `vaultcheck serve`: the fake Meeco Vault and
# Keystore, for `vaultcheck run --target docker:IMAGE` and as an example of
# the contract a vendor's image follows (docs/docker.md): listen where
# VAULTCHECK_ADDR says, serve /vault and /keystore there.
#
# No registry is involved (no golang stage to pull): build the static binary
# first, then the image. `make docker-image` does both:
#
#   CGO_ENABLED=0 go build -trimpath -o bin/docker/vaultcheck ./cmd/vaultcheck
#   docker build -t vaultcheck-fake .
#
# .dockerignore sends only this file and the binary. It holds no comments:
# Go Docker clients (go-dockerclient, which the tests build through) read
# every line of it as a pattern.
FROM scratch
COPY bin/docker/vaultcheck /vaultcheck
# Standalone (docker run -p 8080:8080 vaultcheck-fake) it listens on every
# interface of the container; a docker target sets VAULTCHECK_ADDR itself.
ENV VAULTCHECK_ADDR=0.0.0.0:8080
EXPOSE 8080/tcp
USER 65534:65534
ENTRYPOINT ["/vaultcheck", "serve"]
