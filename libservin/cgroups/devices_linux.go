package cgroups

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func setDevicesV1(dir string, rules []specs.LinuxDeviceCgroup) error {
	writes, err := deviceWrites(rules)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if err := writeFile(dir, w[0], w[1]); err != nil {
			return fmt.Errorf("set device rule %s %q: %w", w[0], w[1], err)
		}
	}
	return nil
}

// setDevicesV2 compiles the rules into a device program (deviceProgram)
// and attaches it to the cgroup in place of the device programs attached
// before: the new one first (BPF_F_ALLOW_MULTI; every attached program
// must allow an access), then the old ones are detached, so the cgroup is
// never without a filter. An unprivileged runtime in a user namespace
// that may not load BPF goes on when the rules allow everything anyway.
func setDevicesV2(dir string, rules []specs.LinuxDeviceCgroup) error {
	prog, err := deviceProgram(rules)
	if err != nil {
		return err
	}
	dirFd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("set device rules of %s: %w", dir, err)
	}
	defer unix.Close(dirFd)
	old, err := attachedDevicePrograms(dirFd)
	if err != nil {
		return fmt.Errorf("set device rules of %s: query attached programs: %w", dir, err)
	}
	progFd, err := loadDeviceProgram(prog)
	if err != nil {
		if errors.Is(err, unix.EPERM) && runningInUserNamespace() && allowsEverything(rules) {
			return nil
		}
		return fmt.Errorf("set device rules of %s: %w", dir, err)
	}
	defer unix.Close(progFd)
	if err := bpfAttach(unix.BPF_PROG_ATTACH, dirFd, progFd, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("set device rules of %s: attach: %w", dir, err)
	}
	for _, id := range old {
		fd, err := bpfProgFdByID(id)
		if err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // detached meanwhile
			}
			return fmt.Errorf("set device rules of %s: old program %d: %w", dir, id, err)
		}
		err = bpfAttach(unix.BPF_PROG_DETACH, dirFd, fd, 0)
		unix.Close(fd)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("set device rules of %s: detach old program %d: %w", dir, id, err)
		}
	}
	return nil
}

// allowsEverything reports whether rules leave every device access allowed.
func allowsEverything(rules []specs.LinuxDeviceCgroup) bool {
	for _, d := range rules {
		if !d.Allow || accessBits(d.Access) != devcgAllAccs {
			return false
		}
	}
	return true
}

// runningInUserNamespace reports whether this process is in a user
// namespace other than the initial one.
func runningInUserNamespace() bool {
	data, err := os.ReadFile("/proc/self/uid_map")
	return err == nil && strings.Join(strings.Fields(string(data)), " ") != "0 0 4294967295"
}

// The bpf(2) attributes used (union bpf_attr members, linux/bpf.h).
type bpfProgLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

type bpfAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

type bpfQueryAttr struct {
	targetFd    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     uint64
	progCnt     uint32
	_           uint32
}

type bpfGetIDAttr struct {
	id        uint32
	nextID    uint32
	openFlags uint32
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (uintptr, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
		if errno == unix.EINTR || errno == unix.EAGAIN {
			continue
		}
		if errno != 0 {
			return 0, errno
		}
		return r, nil
	}
}

// loadDeviceProgram loads prog as a BPF_PROG_TYPE_CGROUP_DEVICE program
// and returns its descriptor; a verifier rejection comes with its log.
func loadDeviceProgram(prog []bpfInsn) (int, error) {
	license := []byte("Apache\x00")
	log := make([]byte, 64<<10)
	attr := bpfProgLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(prog)),
		insns:    uint64(uintptr(unsafe.Pointer(&prog[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
		logLevel: 1,
		logSize:  uint32(len(log)),
		logBuf:   uint64(uintptr(unsafe.Pointer(&log[0]))),
	}
	fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	runtime.KeepAlive(prog)
	runtime.KeepAlive(license)
	if err != nil {
		if n := strings.IndexByte(string(log), 0); n > 0 {
			return -1, fmt.Errorf("load device program: %w: %s", err, strings.TrimSpace(string(log[:n])))
		}
		return -1, fmt.Errorf("load device program: %w", err)
	}
	return int(fd), nil
}

func bpfAttach(cmd uintptr, cgroupFd, progFd int, flags uint32) error {
	attr := bpfAttachAttr{targetFd: uint32(cgroupFd), attachBpfFd: uint32(progFd), attachType: unix.BPF_CGROUP_DEVICE, attachFlags: flags}
	_, err := bpf(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// attachedDevicePrograms lists the ids of the device programs attached
// to the cgroup itself.
func attachedDevicePrograms(cgroupFd int) ([]uint32, error) {
	ids := make([]uint32, 64)
	for {
		attr := bpfQueryAttr{targetFd: uint32(cgroupFd), attachType: unix.BPF_CGROUP_DEVICE,
			progIDs: uint64(uintptr(unsafe.Pointer(&ids[0]))), progCnt: uint32(len(ids))}
		_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		if errors.Is(err, unix.ENOSPC) && len(ids) < 1<<16 {
			ids = make([]uint32, len(ids)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return ids[:attr.progCnt], nil
	}
}

func bpfProgFdByID(id uint32) (int, error) {
	attr := bpfGetIDAttr{id: id}
	fd, err := bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return int(fd), err
}
