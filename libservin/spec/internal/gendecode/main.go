// Command gendecode writes libservin/spec/decode_gen.go, the generated
// reflection-free decoder of config.json (see package decodegen). It runs
// from `go generate ./libservin/spec`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/servin/servin/libservin/spec/internal/decodegen"
)

func main() {
	out := flag.String("o", "decode_gen.go", "output file")
	flag.Parse()
	src, err := decodegen.Generate(decodegen.LinuxSpec())
	if err == nil {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendecode:", err)
		os.Exit(1)
	}
}
