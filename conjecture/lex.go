package conjecture

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a position in a conjecture file: line and column (in characters),
// both counted from 1.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Col) }

// Error is a problem in a conjecture file, at a position. Error() reads
// "FILE:LINE:COL: message" (without the file name when it is unknown).
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

func errAt(p Pos, format string, a ...any) *Error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, a...)}
}

// segment is a piece of source text that starts at a known position; an
// expression continued over several lines is a list of segments.
type segment struct {
	text string
	pos  Pos
}

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tIdent
	tOp
)

type token struct {
	kind tokKind
	text string
	pos  Pos
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the expression"
	case tNum:
		return fmt.Sprintf("the number %s", t.text)
	case tIdent:
		return fmt.Sprintf("the name %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// operators, longest first.
var operators = []string{"&&", "||", "<=", ">=", "==", "!=", "..", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "!"}

// maxTokens bounds the length of one expression (and so the recursion of
// the parser).
const maxTokens = 10000

// lex splits the segments into tokens.
func lex(segs []segment) ([]token, error) {
	var out []token
	var end Pos
	for _, s := range segs {
		line, col := s.pos.Line, s.pos.Col
		text := s.text
		for len(text) > 0 {
			r, size := utf8.DecodeRuneInString(text)
			p := Pos{line, col}
			switch {
			case r == utf8.RuneError && size <= 1:
				return nil, errAt(p, "invalid UTF-8 in the expression")
			case r == '#':
				text = ""
				continue
			case unicode.IsSpace(r):
				text = text[size:]
				col++
				continue
			case r >= '0' && r <= '9' || r == '.' && len(text) > 1 && text[1] >= '0' && text[1] <= '9':
				n, err := scanNumber(text, p)
				if err != nil {
					return nil, err
				}
				out = append(out, token{tNum, text[:n], p})
				text = text[n:]
				col += n
			case r == '_' || unicode.IsLetter(r):
				n := 0
				for n < len(text) {
					r2, s2 := utf8.DecodeRuneInString(text[n:])
					if r2 != '_' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
						break
					}
					n += s2
				}
				out = append(out, token{tIdent, text[:n], p})
				text = text[n:]
				col += utf8.RuneCountInString(out[len(out)-1].text)
			default:
				op := ""
				for _, o := range operators {
					if strings.HasPrefix(text, o) {
						op = o
						break
					}
				}
				if op == "" {
					return nil, errAt(p, "unexpected character %q%s", r, charHint(r))
				}
				out = append(out, token{tOp, op, p})
				text = text[len(op):]
				col += len(op)
			}
			if len(out) > maxTokens {
				return nil, errAt(p, "expression too long (more than %d tokens)", maxTokens)
			}
		}
		end = Pos{line, col}
	}
	return append(out, token{tEOF, "", end}), nil
}

func charHint(r rune) string {
	switch r {
	case '=':
		return " (equality is ==)"
	case '&':
		return " (and is &&)"
	case '|':
		return " (or is ||)"
	case '[', ']', '{', '}':
		return " (use parentheses; indices are written sigma(j), ww(i, j))"
	case '≤':
		return " (write <=)"
	case '≥':
		return " (write >=)"
	case 'σ', 'λ', 'Σ':
		return " (names are ASCII: sigma, lambda_h, lambda_w, sum)"
	}
	return ""
}

// scanNumber returns the length of the decimal literal at the start of s:
// digits, an optional fraction, an optional exponent e±digits.
func scanNumber(s string, p Pos) (int, error) {
	i := skipDigits(s, 0)
	if i+1 < len(s) && s[i] == '.' && s[i+1] != '.' {
		i = skipDigits(s, i+1)
	} else if i+1 == len(s) && s[i] == '.' {
		i++
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := skipDigits(s, j)
		if k == j {
			return 0, errAt(p, "malformed number %q: expected digits after the exponent marker", s[:j])
		}
		if k-i > 6 { // |exponent| ≤ 9999
			return 0, errAt(p, "number %q: exponent too large", s[:k])
		}
		i = k
	}
	if i < len(s) && (s[i] == '_' || unicode.IsLetter(rune(s[i]))) {
		return 0, errAt(p, "malformed number %q: a letter follows the digits (write 2*n, not 2n)", s[:i+1])
	}
	return i, nil
}

// skipDigits returns the index of the first non-digit of s at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
