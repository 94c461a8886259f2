package certify

import (
	"testing"

	"github.com/nrc-ufm/ufm/instance"
)

func TestDebug(t *testing.T) {
	in, _ := instance.Load("../examples/trivial-2x2.json")
	res, err := Build(in, Options{Digits: 20})
	t.Log(err)
	if res != nil {
		t.Logf("%+v", res.File.Spectrum)
	}
	t.Log(in.Sigma())
}
