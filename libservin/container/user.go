package container

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ResolveUser turns a docker-style user ("name", "uid", "name:group",
// "uid:gid", empty for root) into numeric IDs using the rootfs's
// /etc/passwd and /etc/group (resolved inside rootfs). A user's
// supplementary groups come from /etc/group membership.
func ResolveUser(rootfs, user string) (specs.User, error) {
	if user == "" {
		user = "0"
	}
	name, group, hasGroup := strings.Cut(user, ":")
	passwd := readColonFile(rootfs, "/etc/passwd")
	groups := readColonFile(rootfs, "/etc/group")
	u := specs.User{}
	userName := ""
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		u.UID, u.GID = uint32(n), uint32(n)
		if ent := find(passwd, 2, name); ent != nil {
			u.GID, userName = atou(ent[3]), ent[0]
		} else if !hasGroup {
			u.GID = 0 // docker: unknown numeric uid gets gid 0
		}
	} else {
		ent := find(passwd, 0, name)
		if ent == nil {
			return u, fmt.Errorf("unable to find user %s: no matching entries in passwd file", name)
		}
		u.UID, u.GID, userName = atou(ent[2]), atou(ent[3]), name
	}
	if hasGroup {
		if n, err := strconv.ParseUint(group, 10, 32); err == nil {
			u.GID = uint32(n)
		} else if ent := find(groups, 0, group); ent != nil {
			u.GID = atou(ent[2])
		} else {
			return u, fmt.Errorf("unable to find group %s: no matching entries in group file", group)
		}
	}
	if userName != "" {
		for _, g := range groups {
			if len(g) > 3 && atou(g[2]) != u.GID && contains(strings.Split(g[3], ","), userName) {
				u.AdditionalGids = append(u.AdditionalGids, atou(g[2]))
			}
		}
	}
	return u, nil
}

// HomeDir returns the home directory of uid from the rootfs's
// /etc/passwd, or "/".
func HomeDir(rootfs string, uid uint32) string {
	if ent := find(readColonFile(rootfs, "/etc/passwd"), 2, strconv.FormatUint(uint64(uid), 10)); ent != nil && len(ent) > 5 {
		return ent[5]
	}
	return "/"
}

func readColonFile(rootfs, name string) [][]string {
	p, err := securejoin.SecureJoin(rootfs, name)
	if err != nil {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if fields := strings.Split(line, ":"); len(fields) >= 3 {
			for len(fields) < 7 {
				fields = append(fields, "")
			}
			out = append(out, fields)
		}
	}
	return out
}

func find(ents [][]string, field int, value string) []string {
	for _, e := range ents {
		if e[field] == value {
			return e
		}
	}
	return nil
}

func atou(s string) uint32 {
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}
