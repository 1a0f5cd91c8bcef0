#!/usr/bin/python3
# test-dashboard.py — end-to-end test of the dashboard through accessibility
#
# Drives the real app, as a user of assistive technology would, through
# AT-SPI (pyatspi), against the fake REST backend, and checks every result
# twice: in the backend (over HTTP) and in the app (in its accessibility
# tree).
#
#   test-dashboard.py SWARMYARD FAKE_BACKEND
#
# (or the environment variables SWARMYARD_EXE and SWARM_FAKE_BACKEND_EXE).
# It needs an X display, a D-Bus session bus and the AT-SPI bus, e.g.
#
#   HOME=$(mktemp -d) xvfb-run -a -s '-screen 0 1280x800x24' \
#     dbus-run-session -- meson test -C _build --suite e2e
#
# Output is TAP on stdout; every diagnostic goes to stderr.  The test skips
# only when pyatspi is missing and CI is not "true".
#
# What GTK 4.8 gives us to work with: no Table interface, only realized rows
# in the accessibility tree, every page of a GtkStack (shown or not), no
# SHOWING state, and positions relative to each window (without a window
# manager every window sits at 0,0, so they are screen positions too).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import ctypes
import ctypes.util
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

AGENT_NAME = 'e2e-agent-01'
AGENT_TASK = 'Check the end-to-end deploy flow'
N_SAMPLE_AGENTS = 5
WAIT_S = 20.0          # the longest wait for any one condition
POLL_S = 0.1


def diag(*args):
    print('#', *args, file=sys.stderr, flush=True)


def tap(line):
    print(line, flush=True)


# pyatspi ----------------------------------------------------------------------

try:
    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi
    import pyatspi
except (ImportError, ValueError) as e:
    if os.environ.get('CI') == 'true':
        print('pyatspi is required when CI=true but cannot be imported: %s '
              '(install python3-pyatspi and gir1.2-atspi-2.0, and run this with /usr/bin/python3)' % e,
              file=sys.stderr, flush=True)
        tap('1..1')
        tap('not ok 1 - pyatspi is importable (%s)' % e)
        sys.exit(1)
    tap('1..0 # SKIP pyatspi is not available: %s' % e)
    sys.exit(0)


class TestFailure(Exception):
    pass


# Checks run at every poll, such as "the app still runs": each raises
# TestFailure, so a crash fails at once instead of after a timeout.
GUARDS = []


def wait_for(what, func, timeout=WAIT_S, check=bool):
    """Polls func until check(its value) is true; returns that value, or
    raises TestFailure naming @what and the last value or error seen."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        for guard in GUARDS:
            guard()
        try:
            value = func()
            if check(value):
                return value
            last = value
        except TestFailure:
            raise
        except Exception as e:      # a node went away under us: try again
            last = '%s: %s' % (type(e).__name__, e)
        if time.monotonic() >= deadline:
            raise TestFailure('timed out after %.0f s waiting for %s (last: %r)' % (timeout, what, last))
        time.sleep(POLL_S)


# Walking the accessibility tree --------------------------------------------------

def children(node):
    try:
        n = node.childCount
    except Exception:
        return []
    out = []
    for i in range(n):
        try:
            child = node.getChildAtIndex(i)
        except Exception:
            continue
        if child is not None:
            out.append(child)
    return out


def walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def role(node):
    try:
        return node.getRoleName()
    except Exception:
        return None


def name(node):
    try:
        return node.name
    except Exception:
        return None


def find_all(root, role_name=None, pred=None):
    out = []
    for n in walk(root):
        if role_name is not None and role(n) != role_name:
            continue
        if pred is not None:
            try:
                if not pred(n):
                    continue
            except Exception:
                continue
        out.append(n)
    return out


def find_one(root, role_name, what, pred):
    found = find_all(root, role_name, pred)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise TestFailure('%d nodes match %s' % (len(found), what))
    return None


def has_size(node):
    try:
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    except Exception:
        return False
    return ext.width > 0 and ext.height > 0


def find_shown(root, role_name, what, pred):
    """Like find_one(), among the matches that have a size: the tree also holds
    widgets that are not shown (AdwMessageDialog, for one, has each response
    button twice, for its horizontal and its vertical layout)."""
    found = [n for n in find_all(root, role_name, pred) if has_size(n)]
    if len(found) > 1:
        raise TestFailure('%d shown nodes match %s' % (len(found), what))
    return found[0] if found else None


def is_sensitive(node):
    try:
        return node.getState().contains(pyatspi.STATE_SENSITIVE)
    except Exception:
        return False


def text_of(node):
    # Not getText(0, -1): GTK 4.8 answers "" to that for editables.
    t = node.queryText()
    return t.getText(0, t.characterCount)


def button_named(label):
    """Matches a push button for a mnemonic label such as "_Deploy".  GTK 4.8
    names a button with use-underline "<label> <text>" ("_Deploy Deploy"),
    so accept that as well as the plain text."""
    plain = label.replace('_', '')
    accepted = {label, plain, '%s %s' % (label, plain)}

    def pred(n):
        return name(n) in accepted
    return pred


def dump(node, depth=0, max_depth=40, out=None):
    """The tree under @node, for the log when something is not found."""
    if out is None:
        out = []
    if depth > max_depth:
        return out
    flags = ''
    try:
        states = node.getState()
        flags = ''.join(f for f, s in (('v', pyatspi.STATE_VISIBLE), ('s', pyatspi.STATE_SENSITIVE),
                                       ('f', pyatspi.STATE_FOCUSED)) if states.contains(s))
    except Exception:
        pass
    out.append('%s%s %r [%s]' % ('  ' * depth, role(node), name(node), flags))
    for c in children(node):
        dump(c, depth + 1, max_depth, out)
    return out


# Input ---------------------------------------------------------------------------

def center_of(node):
    # Window coordinates: GTK 4.8 on X11 knows no others (it warns when asked
    # for screen ones), and without a window manager every window sits at
    # 0,0, so they are the screen coordinates the pointer is moved to.
    ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    if ext.width <= 0 or ext.height <= 0:
        raise TestFailure('%r has no size on screen: %r' % (name(node), ext))
    return ext.x + ext.width // 2, ext.y + ext.height // 2


def click(node):
    x, y = center_of(node)
    pyatspi.Registry.generateMouseEvent(x, y, 'b1c')


def park_pointer():
    # Out of every window (they sit at 0,0 and are smaller than the screen),
    # so no tooltip pops up with a copy of a cell's text.
    pyatspi.Registry.generateMouseEvent(1279, 799, 'abs')


def type_text(node, text):
    """Clicks into @node and types @text with synthesized key presses.  Without
    a window manager the keyboard focus follows the pointer, which the click
    leaves over the field."""
    click(node)
    time.sleep(0.2)     # the click is asynchronous; the keys must come after it
    pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)
    wait_for('%r to read %r' % (name(node), text), lambda: text_of(node) == text, timeout=10)


# The display ---------------------------------------------------------------------

class DisplayHold:
    """Keeps one connection to the X server open for the whole run.

    Xvfb resets itself whenever its last client disconnects, and a client
    that connects during the reset fails ("cannot open display").  Under
    xvfb-run + dbus-run-session the accessibility bus launcher connects and
    disconnects right when the app starts, so without this the app failed
    to start in about half the runs."""

    def __init__(self):
        self.xlib = None
        self.display = None

    def open(self, timeout=10):
        if not os.environ.get('DISPLAY'):
            raise TestFailure('DISPLAY is not set: run this under xvfb-run (outside dbus-run-session)')
        try:
            self.xlib = ctypes.CDLL(ctypes.util.find_library('X11') or 'libX11.so.6')
        except OSError as e:
            diag('cannot load libX11 to hold the display open (%s); the app may race an X server reset' % e)
            return
        self.xlib.XOpenDisplay.restype = ctypes.c_void_p
        self.xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.display = wait_for('a connection to the X display %s' % os.environ['DISPLAY'],
                                lambda: self.xlib.XOpenDisplay(None), timeout=timeout)

    def close(self):
        if self.display:
            self.xlib.XCloseDisplay(self.display)
            self.display = None


# HTTP ------------------------------------------------------------------------------

def http(method, url):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return r.status, (json.loads(body) if body else None)
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, None


def backend_agents(url):
    status, data = http('GET', url + '/api/agents')
    if status != 200:
        raise TestFailure('GET /api/agents answered %s' % status)
    agents = data['agents'] if isinstance(data, dict) else data
    return agents


def backend_totals(agents):
    sandboxes = sum(1 for a in agents if a.get('sandbox_id') is not None)
    active = sum(1 for a in agents if a.get('status') == 'running')
    return sandboxes, active


# The app -------------------------------------------------------------------------

class Row:
    def __init__(self, node, texts, buttons):
        self.node = node
        self.texts = texts
        self.buttons = buttons


class App:
    def __init__(self, proc):
        self.proc = proc
        self.node = None
        self._table = None
        self._cards = {}

    def check_alive(self):
        if self.proc.poll() is None:
            return
        hint = ''
        if self.proc.returncode == 0:
            hint = (' (a GApplication exits at once when an instance already runs on the '
                    'session bus: run this under its own dbus-run-session)')
        raise TestFailure('the app exited with status %s%s' % (self.proc.returncode, hint))

    def find(self):
        self.check_alive()
        desktop = pyatspi.Registry.getDesktop(0)
        for a in children(desktop):
            try:
                if a.get_process_id() == self.proc.pid:
                    return a
            except Exception:
                continue
        return None

    def windows(self):
        return children(self.node)

    def main_window(self):
        for w in self.windows():
            if role(w) == 'frame' and name(w) == 'Swarmyard':
                return w
        return None

    def window_named(self, title):
        for w in self.windows():
            if name(w) == title:
                return w
        return None

    def other_windows(self):
        main = self.main_window()
        return [w for w in self.windows() if w != main and name(w) != 'GtkTooltipWindow'
                and role(w) != 'tool tip']

    def table(self):
        """The agent table.  It lives as long as the window, so once found it is
        kept: walking the whole window costs a D-Bus call per node and
        property."""
        if self._table is not None and role(self._table) == 'tree table':
            return self._table
        self._table = None
        main = self.main_window()
        if main is not None:
            self._table = find_one(main, 'tree table', 'the agent table', lambda n: name(n) == 'Agents')
        return self._table

    def rows(self):
        """The realized rows of the table, each read once: the text of each
        cell that is a label (None for the others), and the buttons by name."""
        table = self.table()
        if table is None:
            return []
        out = []
        for view in children(table):
            if role(view) != 'list':        # the header row is a 'table row' of its own
                continue
            for row in children(view):
                if role(row) != 'table row':
                    continue
                texts, buttons = [], {}
                for cell in children(row):
                    if role(cell) != 'table cell':
                        continue
                    kids = children(cell)
                    kind = role(kids[0]) if len(kids) == 1 else None
                    texts.append(name(kids[0]) if kind == 'label' else None)
                    if kind == 'panel':
                        for b in children(kids[0]):
                            if role(b) == 'push button':
                                buttons[name(b)] = b
                out.append(Row(row, texts, buttons))
        return out

    def rows_named(self, agent_name, rows=None):
        """The rows whose first cell, Agent Name, reads @agent_name."""
        return [r for r in (self.rows() if rows is None else rows) if r.texts and r.texts[0] == agent_name]

    def row_of(self, agent_name):
        found = self.rows_named(agent_name)
        return found[0] if len(found) == 1 else None

    def row_status(self, agent_name):
        """The status badge of @agent_name's row (the second column)."""
        row = self.row_of(agent_name)
        return row.texts[1] if row is not None and len(row.texts) > 1 else None

    def card_value(self, title):
        """The value of a metric card, from its accessible label "Title: value".
        The cards live as long as the window: found once, then kept."""
        card = self._cards.get(title)
        if card is None or not (name(card) or '').startswith(title + ': '):
            main = self.main_window()
            if main is None:
                return None
            card = find_one(main, 'panel', 'the card %r' % title,
                            lambda n: (name(n) or '').startswith(title + ': '))
            if card is None:
                return None
            self._cards[title] = card
        label = name(card) or ''
        return label[len(title) + 2:] if label.startswith(title + ': ') else None

    def dump(self, what='the app'):
        try:
            diag('accessibility tree of %s:' % what)
            for line in dump(self.node):
                diag(line)
        except Exception as e:
            diag('cannot dump the tree: %s' % e)


def die_with_parent():
    """Run in each child before exec: SIGTERM when this test dies, even from
    SIGKILL, so that no app or backend outlives it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)     # PR_SET_PDEATHSIG
    except Exception:
        pass


def start_backend(exe):
    proc = subprocess.Popen([exe, '--agents', str(N_SAMPLE_AGENTS)], preexec_fn=die_with_parent,
                            stdout=subprocess.PIPE, stderr=sys.stderr, stdin=subprocess.DEVNULL)
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    if not ready:
        raise TestFailure('the fake backend printed no URL within 10 s')
    url = proc.stdout.readline().decode().strip()
    if not url.startswith('http'):
        raise TestFailure('the fake backend printed %r instead of its URL' % url)
    return proc, url


def app_environment():
    env = dict(os.environ)
    # Whatever the caller had: the bridge on, warnings not fatal.
    for var in ('NO_AT_BRIDGE', 'G_DEBUG', 'GTK_DEBUG', 'SWARMYARD_BACKEND_TOKEN'):
        env.pop(var, None)
    env['GTK_A11Y'] = 'atspi'
    env['GSETTINGS_BACKEND'] = 'memory'
    env['GSK_RENDERER'] = 'cairo'
    # The strings looked for are the untranslated ones.
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    if 'GSETTINGS_SCHEMA_DIR' not in env:
        raise TestFailure('GSETTINGS_SCHEMA_DIR is not set (it must point to <builddir>/data)')
    return env


def stop(proc, what):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        diag('%s did not stop on SIGTERM; killing it' % what)
        proc.kill()
        proc.wait(timeout=5)


# The tests ------------------------------------------------------------------------

class Run:
    def __init__(self, app_exe, backend_exe):
        self.app_exe = app_exe
        self.backend_exe = backend_exe
        self.backend = None
        self.url = None
        self.app = None
        self.agent_id = None
        self.hold = DisplayHold()

    def test_display(self):
        self.hold.open()

    def test_backend(self):
        self.backend, self.url = start_backend(self.backend_exe)
        diag('fake backend at %s (pid %d)' % (self.url, self.backend.pid))
        agents = wait_for('the backend to answer', lambda: backend_agents(self.url))
        if len(agents) != N_SAMPLE_AGENTS:
            raise TestFailure('the backend serves %d agents, not %d' % (len(agents), N_SAMPLE_AGENTS))
        if any(a['name'] == AGENT_NAME for a in agents):
            raise TestFailure('%s exists before the test deployed it' % AGENT_NAME)

    def test_app_starts(self):
        proc = subprocess.Popen([self.app_exe, '--backend', self.url], env=app_environment(),
                                preexec_fn=die_with_parent,
                                stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr)
        self.app = App(proc)
        diag('app started (pid %d)' % proc.pid)
        GUARDS.append(self.app.check_alive)
        self.app.node = wait_for('the app on the accessibility bus', self.app.find)
        # Read every property from the app, never from a cache that could lag.
        self.app.node.set_cache_mask(Atspi.Cache.NONE)
        if name(self.app.node) != 'swarmyard':
            raise TestFailure('the application is called %r, not "swarmyard"' % name(self.app.node))
        wait_for('the main window', self.app.main_window)

    def test_table_lists_backend(self):
        agents = backend_agents(self.url)
        names = [a['name'] for a in agents]
        # Positive control for every "absent" check below: the same lookup
        # finds each agent the backend serves.
        def all_shown():
            rows = self.app.rows()
            return all(len(self.app.rows_named(n, rows)) == 1 for n in names) and rows
        rows = wait_for('one row for each of %s' % names, all_shown)
        if self.app.rows_named(AGENT_NAME, rows):
            raise TestFailure('%s is shown before it was deployed' % AGENT_NAME)

    def check_cards(self, when):
        def read():
            sandboxes, active = backend_totals(backend_agents(self.url))
            return {'shown': (self.app.card_value('Total Sandboxes'), self.app.card_value('Active Agents')),
                    'backend': (str(sandboxes), str(active))}
        cards = wait_for('the cards (Total Sandboxes, Active Agents) to match the backend %s' % when,
                         read, check=lambda v: v['shown'] == v['backend'])
        diag('cards %s: Total Sandboxes %s, Active Agents %s' % ((when,) + cards['shown']))

    def test_cards(self):
        self.check_cards('at start')

    def test_deploy_dialog_opens(self):
        main = self.app.main_window()
        button = find_shown(main, 'push button', 'the header button "Deploy Agent"',
                            lambda n: name(n) == 'Deploy Agent')
        if button is None:
            raise TestFailure('no button "Deploy Agent"')
        button.queryAction().doAction(0)
        dialog = wait_for('the window "Deploy Agent"', lambda: self.app.window_named('Deploy Agent'))
        wait_for('the Name row', lambda: find_one(dialog, 'text', 'the Name row', lambda n: name(n) == 'Name'))

    def test_deploy_form(self):
        dialog = self.app.window_named('Deploy Agent')
        name_row = find_one(dialog, 'text', 'the Name row', lambda n: name(n) == 'Name')
        task_view = find_one(dialog, 'text', 'the Task text view', lambda n: name(n) == 'Task description')
        deploy = find_shown(dialog, 'push button', 'the Deploy button', button_named('_Deploy'))
        for node, what in ((name_row, 'Name row'), (task_view, 'Task text view'), (deploy, 'Deploy button')):
            if node is None:
                raise TestFailure('no %s in the deploy dialog' % what)

        # Control for the sensitivity check below: an empty form cannot be sent.
        if is_sensitive(deploy):
            raise TestFailure('Deploy is sensitive on an empty form')

        type_text(name_row, AGENT_NAME)
        type_text(task_view, AGENT_TASK)
        park_pointer()
        wait_for('Deploy to become sensitive', lambda: is_sensitive(deploy))

        deploy.queryAction().doAction(0)
        wait_for('the deploy dialog to close', lambda: self.app.window_named('Deploy Agent') is None)

    def test_deploy_backend(self):
        seen = []

        def deployed():
            agents = backend_agents(self.url)
            seen[:] = [a['name'] for a in agents]
            return [a for a in agents if a['name'] == AGENT_NAME]
        try:
            found = wait_for('%s in GET /api/agents' % AGENT_NAME, deployed)
        except TestFailure as e:
            raise TestFailure('%s; the backend has %s' % (e, seen))
        if len(found) != 1:
            raise TestFailure('%d agents are called %s' % (len(found), AGENT_NAME))
        agent = found[0]
        self.agent_id = agent['id']
        diag('deployed %s as %s, status %s' % (AGENT_NAME, self.agent_id, agent['status']))
        if agent.get('task_description') != AGENT_TASK:
            raise TestFailure('the backend has the task %r, not %r' % (agent.get('task_description'), AGENT_TASK))

    def test_deploy_app(self):
        wait_for('a cell "%s" with a "Pending" badge in its row' % AGENT_NAME,
                 lambda: self.app.row_status(AGENT_NAME), check=lambda status: status == 'Pending')

    def test_cards_after_deploy(self):
        self.check_cards('after the deploy')

    def confirm(self, verb):
        """Activates "<Verb> <agent>" in the agent's row, then the dialog's
        "_<Verb>" response."""
        label = '%s %s' % (verb, AGENT_NAME)
        def row_with_button():
            row = self.app.row_of(AGENT_NAME)
            return row if row is not None and label in row.buttons else None
        button = wait_for('the row of %s with a button "%s"' % (AGENT_NAME, label),
                          row_with_button).buttons[label]
        if not is_sensitive(button):
            raise TestFailure('"%s" is insensitive' % label)
        before = set(self.app.other_windows())
        button.queryAction().doAction(0)

        def dialog_response():
            for w in self.app.other_windows():
                if w in before:
                    continue
                response = find_shown(w, 'push button', 'the response "_%s"' % verb, button_named('_' + verb))
                if response is not None:
                    return w, response
            return None
        dialog, response = wait_for('a confirmation dialog with "_%s"' % verb, dialog_response)
        heading = '%s “%s”?' % (verb, AGENT_NAME)
        if not find_all(dialog, 'label', lambda n: name(n) == heading):
            raise TestFailure('the confirmation dialog does not ask %r' % heading)
        cancel = find_shown(dialog, 'push button', 'the response "_Cancel"', button_named('_Cancel'))
        if cancel is None:
            raise TestFailure('the confirmation dialog has no "_Cancel"')
        response.queryAction().doAction(0)
        wait_for('the confirmation dialog to close', lambda: dialog not in self.app.windows())

    def test_terminate(self):
        self.confirm('Terminate')

        def terminated():
            status, agent = http('GET', '%s/api/agents/%s' % (self.url, self.agent_id))
            return status == 200 and agent['status'] == 'failed' and agent
        agent = wait_for('GET /api/agents/%s to say "failed"' % self.agent_id, terminated)
        if agent.get('error_message') != 'terminated by user':
            raise TestFailure('error_message is %r, not "terminated by user"' % agent.get('error_message'))

    def test_terminate_app(self):
        wait_for('the badge of %s to read "Failed"' % AGENT_NAME,
                 lambda: self.app.row_status(AGENT_NAME), check=lambda status: status == 'Failed')

    def test_destroy(self):
        # Control for the absence check that follows: the lookup finds it now.
        if len(self.app.rows_named(AGENT_NAME)) != 1:
            raise TestFailure('%s is not shown just before it is destroyed' % AGENT_NAME)
        self.confirm('Destroy')
        wait_for('GET /api/agents to no longer list %s' % AGENT_NAME,
                 lambda: all(a['name'] != AGENT_NAME for a in backend_agents(self.url)))
        status, _ = http('GET', '%s/api/agents/%s' % (self.url, self.agent_id))
        if status != 404:
            raise TestFailure('GET /api/agents/%s answered %s, not 404' % (self.agent_id, status))

    def test_destroy_app(self):
        wait_for('%s to disappear from the table' % AGENT_NAME, lambda: not self.app.rows_named(AGENT_NAME))
        # …and the lookup still works: the sample agents are all there.
        names = [a['name'] for a in backend_agents(self.url)]
        rows = self.app.rows()
        if not all(len(self.app.rows_named(n, rows)) == 1 for n in names):
            raise TestFailure('the table lost some of %s' % names)
        self.check_cards('after the destroy')

    def tests(self):
        return [
            ('the X display accepts a connection', self.test_display),
            ('the fake backend serves %d agents' % N_SAMPLE_AGENTS, self.test_backend),
            ('the app appears on the accessibility bus', self.test_app_starts),
            ('the table lists every agent the backend serves', self.test_table_lists_backend),
            ('"Total Sandboxes" and "Active Agents" match the backend', self.test_cards),
            ('"Deploy Agent" opens the deploy dialog', self.test_deploy_dialog_opens),
            ('the deploy form is filled and sent, and the dialog closes', self.test_deploy_form),
            ('the backend has %s with its task' % AGENT_NAME, self.test_deploy_backend),
            ('the table shows %s as Pending' % AGENT_NAME, self.test_deploy_app),
            ('the metric cards count the new agent', self.test_cards_after_deploy),
            ('terminating %s marks it failed, "terminated by user", in the backend' % AGENT_NAME,
             self.test_terminate),
            ('the table shows %s as Failed' % AGENT_NAME, self.test_terminate_app),
            ('destroying %s removes it from the backend' % AGENT_NAME, self.test_destroy),
            ('%s disappears from the table, the others stay' % AGENT_NAME, self.test_destroy_app),
        ]

    def run(self):
        tests = self.tests()
        tap('1..%d' % len(tests))
        failed = 0
        broken = None
        for i, (desc, func) in enumerate(tests, 1):
            if broken is not None:
                tap('not ok %d - %s # not run: test %d failed' % (i, desc, broken))
                failed += 1
                continue
            start = time.monotonic()
            try:
                func()
            except Exception as e:
                failed += 1
                broken = i
                tap('not ok %d - %s' % (i, desc))
                diag('test %d failed: %s: %s' % (i, type(e).__name__, e))
                if not isinstance(e, TestFailure):
                    import traceback
                    traceback.print_exc(file=sys.stderr)
                if self.app is not None and self.app.node is not None:
                    self.app.dump()
                self.screenshot(i)
                continue
            diag('test %d took %.2f s' % (i, time.monotonic() - start))
            tap('ok %d - %s' % (i, desc))
        return failed

    def screenshot(self, i):
        """On failure, a picture of the screen for the log, when ImageMagick is there."""
        path = os.path.join(os.environ.get('SWARMYARD_E2E_ARTIFACTS', tempfile.gettempdir()),
                            'test-dashboard-failure-%d.png' % i)
        try:
            subprocess.run(['import', '-window', 'root', path], timeout=10, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            diag('screenshot: %s' % path)
        except Exception:
            pass

    def cleanup(self):
        if self.app is not None:
            stop(self.app.proc, 'the app')
        stop(self.backend, 'the fake backend')
        self.hold.close()


def main():
    args = sys.argv[1:]
    app_exe = args[0] if len(args) > 0 else os.environ.get('SWARMYARD_EXE')
    backend_exe = args[1] if len(args) > 1 else os.environ.get('SWARM_FAKE_BACKEND_EXE')
    if not app_exe or not backend_exe:
        print('usage: %s SWARMYARD FAKE_BACKEND (or set SWARMYARD_EXE and SWARM_FAKE_BACKEND_EXE)'
              % sys.argv[0], file=sys.stderr)
        tap('1..1')
        tap('not ok 1 - the app and the fake backend are given')
        return 1
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        diag('DBUS_SESSION_BUS_ADDRESS is not set: run this under dbus-run-session')

    # meson stops a test that times out with SIGTERM: clean up then too.
    def on_sigterm(signum, frame):
        raise SystemExit('killed by signal %d' % signum)
    signal.signal(signal.SIGTERM, on_sigterm)

    start = time.monotonic()
    run = Run(app_exe, backend_exe)
    try:
        failed = run.run()
    finally:
        run.cleanup()
    diag('%d failed; %.1f s in all' % (failed, time.monotonic() - start))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
