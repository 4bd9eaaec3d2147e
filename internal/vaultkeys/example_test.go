package vaultkeys_test

import (
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/srp"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// Registration and login as the SDK does them: the secret and password
// give the SRP password P, which only ever reaches the Keystore as a
// verifier; the PDK (a different salt) stays on the client to wrap the KEK.
func Example() {
	secret, err := vaultkeys.GenerateSecret("M9znjHbD5Xi", nil)
	if err != nil {
		panic(err)
	}
	const password = "correct horse"

	p := vaultkeys.DeriveSRPPassword(password, secret)
	saltHex, verifierHex, err := srp.Register(secret.Username(), p, nil)
	if err != nil {
		panic(err)
	}

	// Later, at login, both derive again from the same inputs.
	client, err := srp.NewClient(secret.Username(), vaultkeys.DeriveSRPPassword(password, secret), nil)
	if err != nil {
		panic(err)
	}
	server, err := srp.NewServer(secret.Username(), saltHex, verifierHex, client.AHex(), nil)
	if err != nil {
		panic(err)
	}
	m1, err := client.Proof(server.SaltHex(), server.BHex())
	if err != nil {
		panic(err)
	}
	_, err = server.Verify(m1)
	fmt.Println("login ok:", err == nil)
	fmt.Println("PDK bytes:", len(vaultkeys.DerivePDK(password, secret)))
	fmt.Println("secret prints as:", secret)
	// Output:
	// login ok: true
	// PDK bytes: 32
	// secret prints as: 1.M9znjHbD5Xi.<redacted>
}
