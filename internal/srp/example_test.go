package srp_test

import (
	"bytes"
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// A whole login as the Meeco SDK and Keystore run it: registration stores
// salt and verifier; the client sends A, the server answers salt and B, the
// client proves itself with M1.
func Example() {
	password := []byte("P as jsrp hashes it")
	saltHex, verifierHex, err := srp.Register("alice", password, nil)
	if err != nil {
		panic(err)
	}

	client, err := srp.NewClient("alice", password, nil)
	if err != nil {
		panic(err)
	}
	server, err := srp.NewServer("alice", saltHex, verifierHex, client.AHex(), nil)
	if err != nil {
		panic(err)
	}
	m1, err := client.Proof(server.SaltHex(), server.BHex())
	if err != nil {
		panic(err)
	}
	m2, err := server.Verify(m1)
	if err != nil {
		panic(err)
	}
	fmt.Println("server accepts:", err == nil)
	fmt.Println("client accepts server:", client.VerifyServer(m2) == nil)
	fmt.Println("same session key:", bytes.Equal(client.SessionKey(), server.SessionKey()))
	fmt.Println(client)
	// Output:
	// server accepts: true
	// client accepts server: true
	// same session key: true
	// srp.Client{username: "alice", secrets: <redacted>}
}
