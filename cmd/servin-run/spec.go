package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/servin/servin/libservin/spec"
)

func newSpecCmd() *command {
	bundle := "."
	var rootless bool
	return &command{
		name: "spec", short: "Create a new specification file (config.json)",
		flags: flagSet{
			{name: "bundle", short: "b", value: &bundle, usage: "path to the root of the bundle directory"},
			{name: "rootless", value: &rootless, usage: "generate a configuration for a rootless container"},
		},
		run: func(context.Context, []string) error {
			s := spec.Default()
			if rootless {
				spec.ToRootless(s)
			}
			p := filepath.Join(bundle, "config.json")
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("file %s exists: remove it first", p)
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			data, err := json.MarshalIndent(s, "", "\t")
			if err != nil {
				return err
			}
			return os.WriteFile(p, append(data, '\n'), 0o666)
		},
	}
}

func newFeaturesCmd() *command {
	return &command{
		name: "features", short: "Show the enabled features",
		run: func(context.Context, []string) error {
			return printJSON(features())
		},
	}
}
