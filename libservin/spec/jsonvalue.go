package spec

import (
	"fmt"
	"strconv"
)

// The generic helpers the generated decoders (decode_gen.go) call for
// each kind of value, following encoding/json's rules (see jsondec.go).

// decodeStr decodes a string; null leaves v as it is.
func decodeStr[T ~string](d *decoder, v *T) error {
	switch d.peek() {
	case '"':
		s, err := d.string()
		if err != nil {
			return err
		}
		*v = T(s)
		return nil
	case 'n':
		_, err := d.null()
		return err
	}
	return d.typeErr(typeName(v))
}

// decodeBool decodes true or false; null leaves v as it is.
func decodeBool[T ~bool](d *decoder, v *T) error {
	switch d.peek() {
	case 't', 'f', 'n':
		if d.data[d.off] == 'n' {
			_, err := d.null()
			return err
		}
		b, err := d.literal()
		if err == nil {
			*v = T(b)
		}
		return err
	}
	return d.typeErr(typeName(v))
}

// integer reads an integer literal into magnitude and sign. ok is false
// (with a nil error) for null; a literal that is not an integer within
// 64 bits is a type error for typ.
func (d *decoder) integer(typ func() string) (mag uint64, neg, ok bool, err error) {
	c := d.peek()
	if c == 'n' {
		_, err := d.null()
		return 0, false, false, err
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, false, false, d.typeErr(typ())
	}
	start := d.off
	lit, err := d.number()
	if err != nil {
		return 0, false, false, err
	}
	digits := lit
	if lit[0] == '-' {
		neg, digits = true, lit[1:]
	}
	for _, c := range digits {
		if c < '0' || c > '9' || mag > (1<<64-1)/10 || mag*10 > 1<<64-1-uint64(c-'0') {
			d.off = start
			return 0, false, false, d.typeErr(typ())
		}
		mag = mag*10 + uint64(c-'0')
	}
	return mag, neg, true, nil
}

// decodeInt decodes an integer in T's range; null leaves v as it is.
func decodeInt[T ~int | ~int8 | ~int16 | ~int32 | ~int64](d *decoder, v *T) error {
	start := d.off
	mag, neg, ok, err := d.integer(func() string { return typeName(v) })
	if !ok {
		return err
	}
	n := int64(mag)
	if neg {
		n = -n
	}
	if (neg && mag > 1<<63) || (!neg && mag >= 1<<63) || int64(T(n)) != n {
		d.off = start
		d.skipSpace()
		return d.typeErr(typeName(v))
	}
	*v = T(n)
	return nil
}

// decodeUint decodes an unsigned integer in T's range (a minus sign, even
// of -0, is an error as in strconv.ParseUint); null leaves v as it is.
func decodeUint[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr](d *decoder, v *T) error {
	start := d.off
	mag, neg, ok, err := d.integer(func() string { return typeName(v) })
	if !ok {
		return err
	}
	if neg || uint64(T(mag)) != mag {
		d.off = start
		d.skipSpace()
		return d.typeErr(typeName(v))
	}
	*v = T(mag)
	return nil
}

// decodePtr decodes into *p, allocating it if nil and reusing it
// otherwise; null sets it to nil.
func decodePtr[T any](d *decoder, p **T, dec func(*decoder, *T) error) error {
	if null, err := d.null(); null || err != nil {
		if null {
			*p = nil
		}
		return err
	}
	if *p == nil {
		*p = new(T)
	}
	return dec(d, *p)
}

// decodeSlice decodes an array into *s as encoding/json does: elements
// are decoded into the existing backing array (up to its capacity) and
// the slice is cut to the array's length; [] gives an empty slice, null
// nil.
func decodeSlice[T any](d *decoder, s *[]T, dec func(*decoder, *T) error) error {
	switch d.peek() {
	case '[':
	case 'n':
		null, err := d.null()
		if null {
			*s = nil
		}
		return err
	default:
		return d.typeErr(typeName(s))
	}
	if err := d.push(); err != nil {
		return err
	}
	v := *s
	i := 0
	for ; ; i++ {
		more, err := d.elem(i)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if i < cap(v) {
			v = v[:max(len(v), i+1)]
		} else {
			var zero T
			v = append(v, zero)
		}
		if err := dec(d, &v[i]); err != nil {
			*s = v
			return inField(err, "["+strconv.Itoa(i)+"]")
		}
	}
	if i == 0 {
		v = make([]T, 0)
	}
	*s = v[:i]
	return nil
}

// decodeMap decodes an object into *m, making it if nil and adding to it
// otherwise; each value is decoded into a zero V. null sets it to nil.
func decodeMap[K ~string, V any](d *decoder, m *map[K]V, dec func(*decoder, *V) error) error {
	ok, err := d.object(typeName(m))
	if !ok {
		if err == nil {
			*m = nil
		}
		return err
	}
	if *m == nil {
		*m = make(map[K]V)
	}
	for n := 0; ; n++ {
		key, more, err := d.key(n)
		if !more {
			return err
		}
		k := K(key)
		var e V
		if err := dec(d, &e); err != nil {
			return inField(err, "["+strconv.Quote(string(k))+"]")
		}
		(*m)[k] = e
	}
}

// typeName names *v's type in errors.
func typeName[T any](v *T) string {
	return fmt.Sprintf("%T", *v)
}
