package branding

// Config is the branding of the service. The yaml tags follow branding.yaml
// (snake_case); the json tags follow the `data` object of GET /api/branding
// (camelCase), so one set of types serves both.
type Config struct {
	Assistant Assistant `yaml:"assistant" json:"assistant"`
	UI        UI        `yaml:"ui" json:"ui"`
	Visual    Visual    `yaml:"visual" json:"visual"`
	Features  Features  `yaml:"features" json:"features"`
}

// Assistant describes the persona. Role and credentials only feed the
// placeholders; the client never received them.
type Assistant struct {
	Name        string `yaml:"name" json:"name"`
	Role        string `yaml:"role" json:"-"`
	Tagline     string `yaml:"tagline" json:"tagline"`
	Description string `yaml:"description" json:"description"`
	Credentials string `yaml:"credentials" json:"-"`
}

// UI holds the page texts.
type UI struct {
	PageTitle      string `yaml:"page_title" json:"pageTitle"`
	HeaderText     string `yaml:"header_text" json:"headerText"`
	WelcomeMessage string `yaml:"welcome_message" json:"welcomeMessage"`
	Chat           Chat   `yaml:"chat" json:"chat"`
}

// Chat holds the texts of the chat view.
type Chat struct {
	AssistantLabel string `yaml:"assistant_label" json:"assistantLabel"`
	UserLabel      string `yaml:"user_label" json:"userLabel"`
	Status         Status `yaml:"status" json:"status"`
}

// Status holds the texts shown while the assistant is busy.
type Status struct {
	Thinking   string `yaml:"thinking" json:"thinking"`
	Speaking   string `yaml:"speaking" json:"speaking"`
	Typing     string `yaml:"typing" json:"typing"`
	Listening  string `yaml:"listening" json:"listening"`
	Processing string `yaml:"processing" json:"processing"`
}

// Visual holds the logo, colours and favicon.
type Visual struct {
	Logo    Logo   `yaml:"logo" json:"logo"`
	Colors  Colors `yaml:"colors" json:"colors"`
	Favicon string `yaml:"favicon" json:"favicon"`
}

// Logo describes the logo image.
type Logo struct {
	Path    string `yaml:"path" json:"path"`
	AltText string `yaml:"alt_text" json:"altText"`
	Width   Size   `yaml:"width" json:"width"`
	Height  Size   `yaml:"height" json:"height"`
}

// Colors holds CSS colour values.
type Colors struct {
	Primary       string `yaml:"primary" json:"primary"`
	Secondary     string `yaml:"secondary" json:"secondary"`
	Accent        string `yaml:"accent" json:"accent"`
	Gradient      string `yaml:"gradient" json:"gradient"`
	TextPrimary   string `yaml:"text_primary" json:"textPrimary"`
	TextSecondary string `yaml:"text_secondary" json:"textSecondary"`
	TextLight     string `yaml:"text_light" json:"textLight"`
}

// Features switches parts of the client on or off; all are on unless the
// file says otherwise.
type Features struct {
	VoiceChatEnabled      bool `yaml:"voice_chat_enabled" json:"voiceChatEnabled"`
	RiskAssessmentEnabled bool `yaml:"risk_assessment_enabled" json:"riskAssessmentEnabled"`
	TranscriptsEnabled    bool `yaml:"transcripts_enabled" json:"transcriptsEnabled"`
	AdminDashboardEnabled bool `yaml:"admin_dashboard_enabled" json:"adminDashboardEnabled"`
}
