package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ApplyChanges applies Dockerfile-style instructions (CMD, ENTRYPOINT, ENV,
// EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL) to cfg.
func ApplyChanges(cfg *ocispec.ImageConfig, changes []string) error {
	for _, c := range changes {
		if err := applyChange(cfg, c); err != nil {
			return fmt.Errorf("%w %q: %w", ErrChange, c, err)
		}
	}
	return nil
}

func applyChange(cfg *ocispec.ImageConfig, change string) error {
	change = strings.TrimSpace(change)
	instr, rest, _ := strings.Cut(change, " ")
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return errors.New("missing arguments")
	}
	switch strings.ToUpper(instr) {
	case "CMD":
		cfg.Cmd = commandForm(rest)
	case "ENTRYPOINT":
		cfg.Entrypoint = commandForm(rest)
	case "ENV":
		return applyEnv(cfg, rest)
	case "LABEL":
		return applyLabels(cfg, rest)
	case "EXPOSE":
		applyExpose(cfg, rest)
	case "VOLUME":
		applyVolume(cfg, rest)
	case "USER":
		cfg.User = rest
	case "WORKDIR":
		cfg.WorkingDir = rest
	case "STOPSIGNAL":
		cfg.StopSignal = rest
	default:
		return fmt.Errorf("unsupported instruction %s", instr)
	}
	return nil
}

// commandForm parses the exec form ["a","b"] or the shell form, which
// runs under /bin/sh -c as in a Dockerfile.
func commandForm(s string) []string {
	if strings.HasPrefix(s, "[") {
		var args []string
		if json.Unmarshal([]byte(s), &args) == nil {
			return args
		}
	}
	return []string{"/bin/sh", "-c", s}
}

func applyEnv(cfg *ocispec.ImageConfig, rest string) error {
	pairs, err := keyValues(rest)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, e := range cfg.Env {
			if strings.HasPrefix(e, k+"=") {
				cfg.Env[i], replaced = kv, true
			}
		}
		if !replaced {
			cfg.Env = append(cfg.Env, kv)
		}
	}
	return nil
}

func applyLabels(cfg *ocispec.ImageConfig, rest string) error {
	pairs, err := keyValues(rest)
	if err != nil {
		return err
	}
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	for _, kv := range pairs {
		k, v, _ := strings.Cut(kv, "=")
		cfg.Labels[k] = v
	}
	return nil
}

// keyValues parses "k=v k2="v 2"" or the legacy "k value with spaces".
func keyValues(s string) ([]string, error) {
	words, err := splitWords(s)
	if err != nil {
		return nil, err
	}
	first := strings.Fields(s)[0]
	if !strings.Contains(first, "=") {
		k, v, _ := strings.Cut(s, " ")
		return []string{k + "=" + strings.TrimSpace(v)}, nil
	}
	for _, w := range words {
		if k, _, ok := strings.Cut(w, "="); !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", w)
		}
	}
	return words, nil
}

// splitWords splits on blanks, honouring double and single quotes and
// backslash escapes (quotes are removed).
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord, escaped := false, false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, errors.New("unterminated quote or escape")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func applyExpose(cfg *ocispec.ImageConfig, rest string) {
	if cfg.ExposedPorts == nil {
		cfg.ExposedPorts = map[string]struct{}{}
	}
	for _, p := range strings.Fields(rest) {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		cfg.ExposedPorts[p] = struct{}{}
	}
}

func applyVolume(cfg *ocispec.ImageConfig, rest string) {
	if cfg.Volumes == nil {
		cfg.Volumes = map[string]struct{}{}
	}
	var vols []string
	if !strings.HasPrefix(rest, "[") || json.Unmarshal([]byte(rest), &vols) != nil {
		vols = strings.Fields(rest)
	}
	for _, v := range vols {
		cfg.Volumes[v] = struct{}{}
	}
}
