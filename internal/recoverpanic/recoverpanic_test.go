package recoverpanic

import (
	"errors"
	"strings"
	"testing"
)

var errBase = errors.New("base")

func panicking() (res *int, err error) {
	defer Into(&res, &err, errBase)
	v := 1
	res = &v
	panic("boom")
}

func calm() (res *int, err error) {
	defer Into(&res, &err, errBase)
	v := 1
	return &v, nil
}

// TestInto: a panic becomes (zero, base: message); no panic leaves the
// results alone.
func TestInto(t *testing.T) {
	res, err := panicking()
	if res != nil || !errors.Is(err, errBase) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("after a panic: (%v, %v), want (nil, base: boom)", res, err)
	}
	res, err = calm()
	if res == nil || *res != 1 || err != nil {
		t.Errorf("without a panic: (%v, %v), want (&1, nil)", res, err)
	}
}
