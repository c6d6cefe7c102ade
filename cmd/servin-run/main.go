// Command servin-run is servin's runc-compatible OCI runtime.
package main

import (
	"fmt"

	"github.com/servin/servin/libservin/version"
)

func main() {
	fmt.Println("servin-run version", version.Version)
}
