//! Every screen's key table, one per screen: action, config name, default keys, help text and an
//! optional footer label (`=> "label"`). Dispatch, `?`, the footers and `[keys.<screen>]` in the
//! config file read these tables and nothing else.
use super::keymap::ScreenAction;

/// Declares a screen's action enum and its table.
macro_rules! key_table {
    (
        $(#[$meta:meta])*
        pub enum $name:ident = $screen:literal, $title:literal, text_entry: $text:literal {
            $( $variant:ident $cfg:literal [$($key:literal),*] $help:literal $(=> $foot:literal)? ; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl ScreenAction for $name {
            const SCREEN: &'static str = $screen;
            const TITLE: &'static str = $title;
            const TEXT_ENTRY: bool = $text;
            const ALL: &'static [Self] = &[$($name::$variant),*];
            fn name(self) -> &'static str {
                match self { $($name::$variant => $cfg),* }
            }
            fn description(self) -> &'static str {
                match self { $($name::$variant => $help),* }
            }
            fn default_keys(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($key),*]),* }
            }
            fn footer_label(self) -> Option<&'static str> {
                match self { $($name::$variant => key_table!(@label $($foot)?)),* }
            }
        }
    };
    (@label) => { None };
    (@label $foot:literal) => { Some($foot) };
}

key_table! {
    /// The board (`[keys]` or `[keys.board]`).
    pub enum Action = "board", "Board", text_entry: false {
        LaneLeft "lane_left" ["h", "left"] "previous lane";
        LaneRight "lane_right" ["l", "right"] "next lane";
        Down "down" ["j", "down"] "next card";
        Up "up" ["k", "up"] "previous card";
        Top "top" ["g", "home"] "first card";
        Bottom "bottom" ["G", "end"] "last card";
        PageDown "page_down" ["ctrl-d", "pgdn"] "page down";
        PageUp "page_up" ["ctrl-u", "pgup"] "page up";
        OpenDetail "open_detail" ["enter"] "open the selected card's details";
        Compact "compact" ["c"] "compact cards: one line each, more lanes on screen (again: full cards)";
        Filter "filter" ["/"] "filter cards (fuzzy); enter keeps, esc clears";
        OpenPr "open_pr" ["o"] "open the selected run's pull request in the browser";
        Refresh "refresh" ["r"] "refresh pull requests from GitHub now";
        NewItem "new_item" ["n"] "new work item in the selected lane";
        EditItem "edit_item" ["e"] "edit the selected work item";
        ExternalEdit "external_edit" ["E"] "edit the selected work item in $EDITOR";
        Approve "approve" ["a"] "approve the selected work item (refused while checks fail)";
        Revoke "revoke" ["A"] "revoke the selected work item's approval";
        Validate "validate" ["v"] "run the checks on the selected work item";
        Waves "waves" ["w"] "wave planner: check, launch (L), cancel (x/X) a wave";
        CancelRun "cancel_run" ["x"] "cancel the selected run (deletes its Jobs, keeps the record)";
        DeleteRun "delete_run" ["X"] "delete the selected AgentRun";
        Logs "logs" ["L"] "logs of the selected run (also l in its details)";
        Retain "retain" ["R"] "retain the selected finished run past its TTL, with its logs (asks first)";
        SaveLogs "save_logs" ["S"] "save every pod log of the selected run to files";
        Audit "audit" ["m"] "conflict matrix and merge train of the open swarm PRs";
        Reconcile "reconcile" ["p"] "runs and PRs reconciled: finished without a PR, orphan PRs, renamed branches, shared keys";
        Palette "palette" [":"] "command palette (:ctx, :ns, :lane, :wave, :theme, :plan, :readonly, :quit)";
        Help "help" ["?"] "this help" => "help";
        Back "back" ["esc"] "clear the filter";
        Close "close" ["q"] "quit (ctrl-c quits from anywhere)" => "quit";
        Quit "quit" [] "quit";
    }
}

key_table! {
    /// A card's details.
    pub enum DetailAction = "detail", "Details (enter on a card)", text_entry: false {
        Down "down" ["j", "down"] "scroll down" => "scroll";
        Up "up" ["k", "up"] "scroll up" => "scroll";
        PageDown "page_down" ["ctrl-d", "pgdn"] "page down";
        PageUp "page_up" ["ctrl-u", "pgup"] "page up";
        Top "top" ["g", "home"] "top";
        Bottom "bottom" ["G", "end"] "bottom";
        NextStep "next_step" ["tab"] "select the next workflow step (l then opens the logs of its attempt's pod)" => "step";
        PrevStep "prev_step" ["shift-tab"] "select the previous workflow step";
        Logs "logs" ["l", "L", "right"] "the run's logs (of the selected step's pod when one is selected)" => "logs";
        OpenPr "open_pr" ["o"] "open the run's pull request in the browser" => "open PR";
        Refresh "refresh" ["r"] "refresh pull requests from GitHub now" => "refresh";
        EditItem "edit_item" ["e"] "edit the work item";
        ExternalEdit "external_edit" ["E"] "edit the work item in $EDITOR";
        Approve "approve" ["a"] "approve the work item (refused while checks fail)";
        Revoke "revoke" ["A"] "revoke the work item's approval";
        Validate "validate" ["v"] "run the checks on the work item";
        CancelRun "cancel_run" ["x"] "cancel the run (deletes its Jobs, keeps the record)";
        DeleteRun "delete_run" ["X"] "delete the AgentRun";
        Retain "retain" ["R"] "retain the run past its TTL (asks first)";
        SaveLogs "save_logs" ["S"] "save every pod log of the run to files";
        Help "help" ["?"] "help" => "help";
        Back "back" ["esc", "q"] "back to the board" => "back";
    }
}

key_table! {
    /// `?` itself.
    pub enum HelpAction = "help", "Help (this screen)", text_entry: false {
        Down "down" ["j", "down"] "scroll down" => "scroll";
        Up "up" ["k", "up"] "scroll up" => "scroll";
        PageDown "page_down" ["ctrl-d", "pgdn", "space"] "page down" => "page";
        PageUp "page_up" ["ctrl-u", "pgup"] "page up" => "page";
        Top "top" ["g", "home"] "top";
        Bottom "bottom" ["G", "end"] "bottom";
        Close "close" ["esc", "?", "q"] "close the help" => "close";
    }
}

key_table! {
    /// Typing a board filter after `/`.
    pub enum FilterAction = "filter", "Filter (/ on the board; typed text filters)", text_entry: true {
        Keep "keep" ["enter"] "keep the filter and go back to the cards" => "keep";
        Clear "clear" ["esc"] "clear the filter" => "clear";
    }
}

key_table! {
    /// The log view of a run.
    pub enum LogAction = "logs", "Logs (L on the board, l in a run's details)", text_entry: false {
        Down "down" ["j", "down"] "scroll down";
        Up "up" ["k", "up"] "scroll up (pauses following)";
        PageDown "page_down" ["ctrl-d", "pgdn"] "page down";
        PageUp "page_up" ["ctrl-u", "pgup"] "page up (pauses following)";
        Top "top" ["g", "home"] "oldest line";
        Bottom "bottom" ["G", "end"] "newest line, follow again";
        ToggleFollow "follow" ["f"] "follow on/off";
        Left "left" ["h", "left"] "scroll left (wrap off)";
        Right "right" ["l", "right"] "scroll right (wrap off)";
        Search "search" ["/"] "search (regex; smart case); enter runs it, esc cancels" => "search";
        NextMatch "next_match" ["n"] "next match (down)" => "match";
        PrevMatch "prev_match" ["N"] "previous match (up)" => "match";
        Filter "filter" ["F"] "show only matching lines (on/off)" => "filter";
        InverseFilter "inverse_filter" ["!"] "show only lines not matching (on/off)" => "inverse";
        Timestamps "timestamps" ["t"] "timestamps on/off" => "time";
        Wrap "wrap" ["w"] "wrap long lines on/off" => "wrap";
        Previous "previous" ["p"] "previous container's logs on/off" => "previous";
        Pods "pods" ["P"] "pick another pod of the run (steps, retries)" => "pods";
        All "all" ["0"] "whole log (no tail, no since)" => "since";
        Since1m "since_1m" ["1"] "since 1 minute ago" => "since";
        Since5m "since_5m" ["5"] "since 5 minutes ago" => "since";
        Since30m "since_30m" ["3"] "since 30 minutes ago" => "since";
        Since1h "since_1h" ["6"] "since 1 hour ago" => "since";
        Tail "tail" ["T"] "tail size: 100 → 1k → 10k → 100k → all" => "tail";
        Save "save" ["ctrl-s"] "save the buffer (or the filtered lines) to a file" => "save";
        Copy "copy" ["y"] "copy the current match (or last line) to the clipboard" => "copy";
        Help "help" ["?"] "help (log keys first)" => "help";
        Back "back" ["esc", "q"] "back to the board" => "back";
    }
}

impl LogAction {
    /// The `since` window of the `Since*` actions, in seconds.
    pub fn since_seconds(self) -> Option<u32> {
        match self {
            LogAction::Since1m => Some(60),
            LogAction::Since5m => Some(300),
            LogAction::Since30m => Some(1800),
            LogAction::Since1h => Some(3600),
            _ => None,
        }
    }
}

key_table! {
    /// The pod picker of the log view.
    pub enum PodAction = "pods", "Pod picker (P in the logs)", text_entry: false {
        Down "down" ["j", "down"] "next pod" => "move";
        Up "up" ["k", "up"] "previous pod" => "move";
        Top "top" ["g", "home"] "newest pod";
        Bottom "bottom" ["G", "end"] "oldest pod";
        Choose "choose" ["enter", "l"] "show this pod's log" => "open";
        Help "help" ["?"] "help (picker keys first)" => "help";
        Back "back" ["esc", "q"] "close the picker (without a pod: back to the board)" => "close";
    }
}

key_table! {
    /// Typing a log search after `/`.
    pub enum LogSearchAction = "log_search", "Log search (/ in the logs; typed text is the regex)", text_entry: true {
        Run "run" ["enter"] "search" => "search";
        Cancel "cancel" ["esc"] "cancel" => "cancel";
    }
}

key_table! {
    /// The work item editor's field list.
    pub enum EditorAction = "editor", "Work item editor: fields (n, e on the board)", text_entry: false {
        Down "down" ["j", "down"] "next field";
        Up "up" ["k", "up"] "previous field";
        Edit "edit" ["enter", "tab", "i", "e"] "edit the selected field" => "edit";
        Save "save" ["ctrl-s"] "save to the cluster" => "save";
        Undo "undo" ["ctrl-z"] "undo in the selected field";
        Redo "redo" ["ctrl-y"] "redo in the selected field";
        Search "search" ["ctrl-f"] "search the selected field (regex)" => "search";
        NextMatch "next_match" ["ctrl-n"] "next match";
        PrevMatch "prev_match" ["ctrl-p"] "previous match";
        ExternalEdit "external_edit" ["E", "ctrl-e"] "edit the whole text in $VISUAL / $EDITOR" => "$EDITOR";
        Help "help" ["?"] "help" => "help";
        Close "close" ["esc", "q"] "close (unsaved text is kept as a draft)" => "close";
    }
}

key_table! {
    /// Typing in a field of the editor.
    pub enum EditorTextAction = "editor_text", "Work item editor: typing (typed text goes into the field)", text_entry: true {
        NextField "next_field" ["tab"] "next section" => "next section";
        PrevField "prev_field" ["shift-tab"] "previous section";
        Save "save" ["ctrl-s"] "save to the cluster" => "save";
        Undo "undo" ["ctrl-z"] "undo" => "undo/redo";
        Redo "redo" ["ctrl-y"] "redo" => "undo/redo";
        Search "search" ["ctrl-f"] "search (regex)" => "search";
        NextMatch "next_match" ["ctrl-n"] "next match";
        PrevMatch "prev_match" ["ctrl-p"] "previous match";
        ExternalEdit "external_edit" ["ctrl-e"] "edit the whole text in $VISUAL / $EDITOR" => "$EDITOR";
        Leave "leave" ["esc"] "back to the field list" => "fields";
    }
}

key_table! {
    /// Typing a search in the editor after `ctrl-f`.
    pub enum EditorSearchAction = "editor_search", "Editor search (ctrl-f; typed text is the regex)", text_entry: true {
        Run "run" ["enter"] "search" => "search";
        Cancel "cancel" ["esc"] "cancel" => "cancel";
    }
}

key_table! {
    /// A save that met someone else's change (HTTP 409).
    pub enum ConflictAction = "conflict", "Save conflict (someone else changed the work item)", text_entry: false {
        Overwrite "overwrite" ["o"] "overwrite their version with yours" => "overwrite theirs";
        TakeTheirs "take_theirs" ["t"] "take theirs (yours goes to the drafts backup)" => "take theirs";
        Merge "merge" ["m"] "merge both versions between conflict markers" => "merge";
        Leave "leave" ["esc"] "decide later (your text stays a draft)" => "decide later";
    }
}

key_table! {
    /// The findings pane (validate, a refused approval).
    pub enum FindingsAction = "findings", "Findings (v, or a refused approval)", text_entry: false {
        Down "down" ["j", "down"] "scroll down" => "scroll";
        Up "up" ["k", "up"] "scroll up" => "scroll";
        Help "help" ["?"] "help";
        Close "close" ["esc", "q", "enter"] "close" => "close";
    }
}

key_table! {
    /// The offer to restore drafts from an earlier session.
    pub enum DraftsAction = "drafts", "Drafts from an earlier session", text_entry: false {
        Restore "restore" ["r", "enter"] "restore the first draft into the editor" => "restore";
        Discard "discard" ["d"] "discard the first draft" => "discard";
        Later "later" ["esc", "q"] "keep them for later" => "later";
    }
}

key_table! {
    /// The wave planner.
    pub enum WavesAction = "waves", "Wave planner (w on the board)", text_entry: false {
        Down "down" ["j", "down"] "next wave" => "wave";
        Up "up" ["k", "up"] "previous wave" => "wave";
        ScrollDown "scroll_down" ["J"] "scroll the wave's details down";
        ScrollUp "scroll_up" ["K"] "scroll the wave's details up";
        Launch "launch" ["L"] "launch: check the gates, then confirm" => "launch";
        Override "override" ["O"] "allow launching before the previous wave merged (type override)" => "override unmerged";
        PromptOverride "prompt_override" ["P"] "prompt override on/off (a prompt parameter replaces the spec text)" => "prompt override";
        Cancel "cancel" ["x"] "cancel the wave's in-flight runs (asks first)" => "cancel";
        Delete "delete" ["X"] "delete all the wave's AgentRuns (asks first)" => "delete";
        Audit "audit" ["m"] "conflict matrix and merge train of this wave's PRs" => "audit";
        Help "help" ["?"] "help" => "help";
        Back "back" ["esc", "q"] "back to the board" => "back";
    }
}

key_table! {
    /// A yes/no confirmation.
    pub enum YesNoAction = "confirm", "Confirmation", text_entry: false {
        Yes "yes" ["y"] "do it" => "yes";
        No "no" ["n", "esc"] "do nothing" => "no";
    }
}

key_table! {
    /// A confirmation that asks for a word to be typed.
    pub enum TypedConfirmAction = "confirm_typed", "Typed confirmation (type the word shown)", text_entry: true {
        Accept "accept" ["enter"] "confirm when the typed word matches" => "confirm";
        Cancel "cancel" ["esc"] "do nothing" => "cancel";
    }
}

key_table! {
    /// The `:` command palette.
    pub enum PaletteAction = "palette", "Command palette (:; typed text is the command)", text_entry: true {
        Complete "complete" ["tab"] "take the highlighted completion" => "complete";
        Next "next" ["down", "ctrl-n"] "next completion" => "choose";
        Prev "prev" ["up", "ctrl-p"] "previous completion" => "choose";
        Run "run" ["enter"] "run the command" => "run";
        Close "close" ["esc"] "close" => "close";
    }
}

key_table! {
    /// The audit view: conflict matrix and merge train (m on the board or in the planner).
    pub enum AuditAction = "audit", "Audit (m on the board or in the wave planner)", text_entry: false {
        Down "down" ["j", "down"] "next row" => "move";
        Up "up" ["k", "up"] "previous row" => "move";
        SwitchTab "switch_tab" ["tab", "backtab"] "switch between the conflict matrix and the merge train" => "matrix/train";
        Jump "jump" ["enter"] "jump to the row's run (its card and details) or open its PR" => "jump to run/PR";
        Refresh "refresh" ["r"] "fetch the clone and the PRs' changed files again" => "refresh";
        Help "help" ["?"] "this help" => "help";
        Back "back" ["esc", "q"] "back" => "back";
    }
}

key_table! {
    /// The list of runs and PRs that disagree (p on the board).
    pub enum ReconcileAction = "reconcile", "Runs and PRs reconciled (p on the board)", text_entry: false {
        Down "down" ["j", "down"] "next finding" => "move";
        Up "up" ["k", "up"] "previous finding" => "move";
        PageDown "page_down" ["ctrl-d", "pgdn"] "page down";
        PageUp "page_up" ["ctrl-u", "pgup"] "page up";
        Top "top" ["g", "home"] "first finding";
        Bottom "bottom" ["G", "end"] "last finding";
        Jump "jump" ["enter"] "jump to the finding's run (its card and details)" => "jump to run";
        OpenPr "open_pr" ["o"] "open the finding's pull request in the browser (an orphan PR has no card)" => "open PR";
        Help "help" ["?"] "help" => "help";
        Back "back" ["esc", "q"] "back to the board" => "back";
    }
}
