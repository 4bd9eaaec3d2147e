// Command showversion prints version.Get() for the package's tests.
package main

import (
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/version"
)

func main() { fmt.Println(version.Get()) }
