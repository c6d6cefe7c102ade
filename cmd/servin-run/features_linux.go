package main

import "github.com/servin/servin/libservin/runtime"

func features() any { return runtime.Features() }
