package main

import (
	"os"
	goruntime "runtime"

	"github.com/servin/servin/libservin/runtime/linux"
	_ "github.com/servin/servin/libservin/runtime/nsenter" // the pre-Go-runtime constructor
)

func init() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		// Capabilities and credentials are per thread: keep the init on
		// the thread that will execve the container process.
		goruntime.LockOSThread()
	}
}

func maybeInit() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		linux.Init()
	}
}
