// Command registry-conformance runs the OCI distribution-spec conformance
// suite against freshly started servin-registry servers, once without
// authentication and once with htpasswd basic auth, and checks the number
// of passed checks against the ratchet floor in FLOOR.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

type mode struct {
	name     string
	htpasswd bool
}

type counts struct{ pass, fail, errs, skip, disabled int }

func main() {
	bin := flag.String("servin-registry", os.Getenv("SERVIN_REGISTRY"), "absolute path of the servin-registry binary")
	suite := flag.String("suite", "work/oci-conformance", "the conformance suite binary")
	work := flag.String("work", "work", "scratch directory")
	floorFile := flag.String("floor", "FLOOR", "ratchet floor file: minimum number of passed checks")
	modes := flag.String("modes", "open,htpasswd", "comma-separated runs: open, htpasswd")
	flag.Parse()
	if *bin == "" {
		fatalf("set -servin-registry or SERVIN_REGISTRY to the servin-registry binary")
	}
	var total counts
	for _, name := range strings.Split(*modes, ",") {
		m := mode{name: name, htpasswd: name == "htpasswd"}
		c, err := runMode(*bin, *suite, *work, m)
		if err != nil {
			fatalf("%s: %v", name, err)
		}
		fmt.Printf("%s: %d passed, %d failed, %d errors, %d skipped, %d disabled\n", name, c.pass, c.fail, c.errs, c.skip, c.disabled)
		total.pass += c.pass
		total.fail += c.fail + c.errs
	}
	fmt.Printf("%d passed, %d failed\n", total.pass, total.fail)
	floor, err := readFloor(*floorFile)
	if err != nil {
		fatalf("%v", err)
	}
	if total.pass < floor {
		fatalf("%d passed is below the floor of %d in %s", total.pass, floor, *floorFile)
	}
	if total.pass > floor {
		fmt.Printf("note: %d passed is above the floor %d: raise %s\n", total.pass, floor, *floorFile)
	}
}

func runMode(bin, suite, work string, m mode) (counts, error) {
	dir, err := filepath.Abs(filepath.Join(work, m.name))
	if err != nil {
		return counts{}, err
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return counts{}, err
	}
	port, err := freePort()
	if err != nil {
		return counts{}, err
	}
	root := filepath.Join(dir, "root")
	args := []string{"--root", root, "start", "--detach", "--port", strconv.Itoa(port)}
	env := []string{
		"OCI_REGISTRY=127.0.0.1:" + strconv.Itoa(port),
		"OCI_TLS=disabled",
		"OCI_REPO1=conformance/repo1",
		"OCI_REPO2=conformance/repo2",
		"OCI_RESULTS_DIR=" + filepath.Join(dir, "results"),
		"OCI_LOG=error",
		"OCI_API_PULL=true", "OCI_API_PUSH=true", "OCI_API_TAGS_LIST=true", "OCI_API_REFERRER=true",
		"OCI_API_MANIFESTS_DELETE=true", "OCI_API_TAGS_DELETE=true", "OCI_API_BLOBS_DELETE=true",
		"OCI_API_BLOBS_UPLOAD_CANCEL=true", "OCI_API_BLOBS_MOUNT_ANONYMOUS=true", "OCI_API_MANIFESTS_TAG_PARAM=true",
	}
	if m.htpasswd {
		file := filepath.Join(dir, "htpasswd")
		if err := writeHtpasswd(file, "conformance", "s3cret-conformance"); err != nil {
			return counts{}, err
		}
		args = append(args, "--htpasswd", file)
		env = append(env, "OCI_USERNAME=conformance", "OCI_PASSWORD=s3cret-conformance")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return counts{}, fmt.Errorf("start servin-registry: %v: %s", err, out)
	}
	defer func() {
		if out, err := exec.Command(bin, "--root", root, "stop").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "stop servin-registry: %v: %s\n", err, out)
		}
	}()
	suite, err = filepath.Abs(suite)
	if err != nil {
		return counts{}, err
	}
	cmd := exec.Command(suite)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		// it exits 1 on any failed check; the counts tell, unless it never ran
		if _, ok := err.(*exec.ExitError); !ok {
			return counts{}, fmt.Errorf("run %s: %w", suite, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "conformance.log"), out.Bytes(), 0o644); err != nil {
		return counts{}, err
	}
	c, ok := parse(out.Bytes())
	if !ok {
		return c, fmt.Errorf("no results from the suite (log %s): %s", filepath.Join(dir, "conformance.log"), tail(out.String()))
	}
	printGroups(m.name, out.Bytes())
	fmt.Printf("%s: suite ran in %s, report %s\n", m.name, time.Since(start).Round(time.Second), filepath.Join(dir, "results", "report.html"))
	return c, nil
}

var countLine = regexp.MustCompile(`^\s+(Pass|FAIL|Error|Skip|Disabled)\.*:\s+(\d+)$`)

// parse reads the totals block the suite prints after "OCI Conformance Result".
func parse(out []byte) (counts, bool) {
	var c counts
	seen := false
	in := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "OCI Conformance Result:") {
			in, seen = true, true
			continue
		}
		if !in {
			continue
		}
		m := countLine.FindStringSubmatch(line)
		if m == nil {
			if strings.TrimSpace(line) == "" || strings.Contains(line, "Total") {
				in = strings.TrimSpace(line) != ""
			}
			continue
		}
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "Pass":
			c.pass = n
		case "FAIL":
			c.fail = n
		case "Error":
			c.errs = n
		case "Skip":
			c.skip = n
		case "Disabled":
			c.disabled = n
		}
	}
	return c, seen
}

// printGroups prints the suite's per-API and per-data-set verdicts.
func printGroups(name string, out []byte) {
	in := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "API conformance:" || line == "Data conformance:":
			in = true
			fmt.Printf("%s: %s\n", name, line)
		case in && strings.TrimSpace(line) == "":
			in = false
		case in:
			fmt.Printf("%s: %s\n", name, line)
		}
	}
}

func writeHtpasswd(path, user, pass string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost) // the server checks it on every request
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(user+":"+string(hash)+"\n"), 0o600)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// cleanEnv drops OCI_* settings from the caller so each run is defined here.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OCI_") {
			env = append(env, kv)
		}
	}
	return env
}

func readFloor(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read floor: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("floor file %s: %w", path, err)
	}
	return n, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "registry-conformance: "+format+"\n", args...)
	os.Exit(1)
}
