// Package notify renders e-mail and SMS messages from templates (Russian and
// English) into outbox rows; internal/outbox writes them, with their
// delivery jobs, in the caller's transaction, so a message exists if and
// only if the change that caused it was committed.
package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Channels a message can go through.
const (
	Email = "email"
	SMS   = "sms"
)

// Message is one message to render and enqueue.
type Message struct {
	Channel  string // Email or SMS
	To       string // an e-mail address or an E.164 phone
	Template string // a file name under templates/ without locale and extension, e.g. "welcome"
	Locale   string // "ru" or "en"; falls back to "ru"
	Data     map[string]any
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// Templates holds the message templates. Each file
// templates/<name>.<locale>.tmpl defines the blocks "subject", "text" and,
// for e-mail, "html" (rendered with HTML escaping). A template is parsed
// when it is first rendered, once per process: parsed, the 58 files in both
// forms held ≈ 0.8 MiB of heap, which an idle server does not need.
type Templates struct {
	text map[string]*template // by "<name>.<locale>"
}

// template is one file, parsed on first use. Parsed templates are never
// changed afterwards, so one copy serves every goroutine.
type template struct {
	path string
	once sync.Once
	text *texttemplate.Template
	html *htmltemplate.Template
	err  error
}

// parsed parses the file the first time it is asked for.
func (t *template) parsed() (*texttemplate.Template, *htmltemplate.Template, error) {
	t.once.Do(func() { t.text, t.html, t.err = parse(t.path) })
	return t.text, t.html, t.err
}

// parse reads and parses one embedded file in its text and HTML forms.
func parse(path string) (*texttemplate.Template, *htmltemplate.Template, error) {
	key := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".tmpl")
	src, err := fs.ReadFile(templateFS, path)
	if err != nil {
		return nil, nil, err
	}
	tt, err := texttemplate.New(key).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", path, err)
	}
	ht, err := htmltemplate.New(key).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", path, err)
	}
	return tt, ht, nil
}

// loaded is the process's one set of templates: every caller of
// LoadTemplates shares it (they were parsed five times over before).
var loaded = sync.OnceValues(load)

// LoadTemplates returns the embedded templates, every file checked to
// parse (so a broken template still stops the start-up); each is parsed
// for use only when first rendered.
func LoadTemplates() (*Templates, error) { return loaded() }

func load() (*Templates, error) {
	t := &Templates{text: map[string]*template{}}
	names, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, path := range names {
		// The check's parse trees are garbage at once.
		if _, _, err := parse(path); err != nil {
			return nil, err
		}
		key := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".tmpl")
		t.text[key] = &template{path: path}
	}
	return t, nil
}

// Rendered is a message ready to send.
type Rendered struct {
	Subject, Text, HTML string
}

// Render fills the template of m in its locale (or Russian).
func (t *Templates) Render(m Message) (Rendered, error) {
	locale := m.Locale
	if locale != "en" {
		locale = "ru"
	}
	key := m.Template + "." + locale
	lazy, ok := t.text[key]
	if !ok {
		return Rendered{}, fmt.Errorf("no template %q", key)
	}
	tt, ht, err := lazy.parsed()
	if err != nil {
		return Rendered{}, err
	}
	var r Rendered
	if r.Text, err = execText(tt, "text", m.Data); err != nil {
		return Rendered{}, err
	}
	if m.Channel == Email {
		if r.Subject, err = execText(tt, "subject", m.Data); err != nil {
			return Rendered{}, err
		}
		var buf bytes.Buffer
		if h := ht.Lookup("html"); h != nil {
			if err := h.Execute(&buf, m.Data); err != nil {
				return Rendered{}, fmt.Errorf("template %s html: %w", key, err)
			}
		}
		r.HTML = strings.TrimSpace(buf.String())
	}
	return r, nil
}

func execText(t *texttemplate.Template, block string, data any) (string, error) {
	b := t.Lookup(block)
	if b == nil {
		return "", fmt.Errorf("template %s has no %q block", t.Name(), block)
	}
	var buf bytes.Buffer
	if err := b.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("template %s %s: %w", t.Name(), block, err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// Prepare renders m into the outbox row that carries it (outbox.Enqueue
// writes it, with its delivery job, in the caller's transaction).
func (t *Templates) Prepare(m Message) (db.EnqueueMessageParams, error) {
	if m.Channel != Email && m.Channel != SMS {
		return db.EnqueueMessageParams{}, fmt.Errorf("unknown channel %q", m.Channel)
	}
	r, err := t.Render(m)
	if err != nil {
		return db.EnqueueMessageParams{}, err
	}
	locale := m.Locale
	if locale != "en" {
		locale = "ru"
	}
	return db.EnqueueMessageParams{
		Channel: m.Channel, Recipient: m.To, Template: m.Template, Locale: locale,
		Subject: r.Subject, BodyText: r.Text, BodyHtml: r.HTML,
	}, nil
}
