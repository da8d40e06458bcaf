package branding

import "strings"

// Data returns the `data` object of GET /api/branding: a copy of c with the
// placeholders {assistant_name}, {role}, {credentials} and {tagline} replaced
// in every string. Marshalled to JSON it has the camelCase keys the client reads.
func (c *Config) Data() Config {
	a := c.Assistant
	// One pass with the raw values, as the old service did: a tagline may
	// mention {assistant_name}, but replacements are not expanded again.
	r := strings.NewReplacer(
		"{assistant_name}", a.Name,
		"{role}", a.Role,
		"{credentials}", a.Credentials,
		"{tagline}", a.Tagline,
	)
	d := *c
	for _, s := range d.stringFields() {
		*s = r.Replace(*s)
	}
	for _, sz := range []*Size{&d.Visual.Logo.Width, &d.Visual.Logo.Height} {
		if s, ok := sz.value.(string); ok {
			sz.value = r.Replace(s)
		}
	}
	return d
}

// stringFields lists every text field, so Data cannot miss one.
func (c *Config) stringFields() []*string {
	a, ui, st, v := &c.Assistant, &c.UI, &c.UI.Chat.Status, &c.Visual
	return []*string{
		&a.Name, &a.Role, &a.Tagline, &a.Description, &a.Credentials,
		&ui.PageTitle, &ui.HeaderText, &ui.WelcomeMessage,
		&ui.Chat.AssistantLabel, &ui.Chat.UserLabel,
		&st.Thinking, &st.Speaking, &st.Typing, &st.Listening, &st.Processing,
		&v.Logo.Path, &v.Logo.AltText,
		&v.Colors.Primary, &v.Colors.Secondary, &v.Colors.Accent, &v.Colors.Gradient,
		&v.Colors.TextPrimary, &v.Colors.TextSecondary, &v.Colors.TextLight,
		&v.Favicon,
	}
}
