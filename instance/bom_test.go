package instance

import "testing"

// TestByteOrderMark: a JSON instance saved with a UTF-8 byte order mark
// parses (RFC 8259 §8.1); it was refused with "invalid character 'ï'".
func TestByteOrderMark(t *testing.T) {
	doc := `{"targets": [["1", "2"], ["3", "5"]], "lambda_h": "1/10", "lambda_w": "1/10", "d": 2}`
	in, err := Parse(append([]byte("\uFEFF"), doc...))
	if err != nil {
		t.Fatal(err)
	}
	if in.N() != 2 || in.M() != 2 {
		t.Errorf("n = %d, M = %d, want 2, 2", in.N(), in.M())
	}
	if _, err := Parse([]byte("\uFEFF\uFEFF" + doc)); err == nil {
		t.Error("two byte order marks parsed; only one is allowed")
	}
}
