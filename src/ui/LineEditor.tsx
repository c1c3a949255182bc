/**
 * A textarea with a line-number gutter that marks located errors (a ● and the message on the line's
 * number) and lists them below with a "Go to line" button each, which puts the caret on the line
 * and column. Shared by the scenario editor (errors of a run) and the lesson editor (the lesson
 * parser's errors, as the author types).
 *
 * A plain textarea, not an editor library: both languages are line-based, so highlighting earns
 * little, and CodeMirror or Monaco would add hundreds of kB to the bundle. The gutter draws only the
 * visible line numbers, so a pasted million-line text stays cheap.
 */
import {
  useEffect,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type Ref,
  type SyntheticEvent,
} from 'react';
import { offsetOf } from './scenario/scenario_text.ts';

/** Must match `.editor textarea` line-height in styles.css. */
const LINE_PX = 18;

/** An error at a 1-based line and column. */
interface LocatedError {
  line: number;
  col: number;
  message: string;
}

/** What a parent can do with the editor: put the caret on a line (and column) and show it. */
export interface LineEditorHandle {
  jumpTo(line: number, col?: number): void;
  box(): HTMLTextAreaElement | null;
}

interface LineEditorProps {
  id: string;
  value: string;
  onChange(text: string): void;
  errors: readonly LocatedError[];
  /** the id of the error list (for aria-describedby) */
  errorsId: string;
  /** ids describing the box besides the errors (a hint) */
  describedBy?: string;
  rows?: number;
  placeholder?: string;
  testId?: string;
  errorsTestId?: string;
  /** the gutter's test id (the scenario editor's is `editor-gutter`) */
  gutterTestId?: string;
  onKeyDown?(e: KeyboardEvent<HTMLTextAreaElement>): void;
  /** the caret moved (click, keys, typing): its offset in the text */
  onCaret?(offset: number): void;
  handle?: Ref<LineEditorHandle>;
}

export function LineEditor(props: LineEditorProps) {
  const { value, errors } = props;
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState((props.rows ?? 6) * LINE_PX);
  const boxRef = useRef<HTMLTextAreaElement>(null);

  const lineCount = useMemo(() => {
    let n = 1;
    for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) n++;
    return n;
  }, [value]);
  const errorLines = useMemo(() => new Map(errors.map((e) => [e.line, e])), [errors]);

  /** Put the caret on a line and column and scroll it into view. */
  const jumpTo = (line: number, col = 1) => {
    const box = boxRef.current;
    if (!box) return;
    const at = offsetOf(box.value, line, col);
    box.focus();
    box.setSelectionRange(at, at);
    box.scrollTop = Math.max(0, (line - 3) * LINE_PX);
    setScrollTop(box.scrollTop);
    props.onCaret?.(at);
  };
  useImperativeHandle(props.handle, () => ({ jumpTo, box: () => boxRef.current }));

  // The box's height can follow its container (the lesson editor fills its dock): the gutter
  // draws the lines of the height it has.
  useEffect(() => {
    const box = boxRef.current;
    if (!box || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setHeight(box.clientHeight));
    ro.observe(box);
    return () => ro.disconnect();
  }, []);

  const caret = (e: SyntheticEvent<HTMLTextAreaElement>) => props.onCaret?.(e.currentTarget.selectionStart);

  // Only the line numbers in view (plus one partly visible at each edge).
  const first = Math.floor(scrollTop / LINE_PX) + 1;
  const last = Math.min(lineCount, first + Math.ceil(height / LINE_PX) + 1);
  const gutter = [];
  for (let n = first; n <= last; n++) {
    const err = errorLines.get(n);
    gutter.push(
      <div
        key={n}
        className={err ? 'gutter-line gutter-error' : 'gutter-line'}
        style={{ top: (n - 1) * LINE_PX - scrollTop }}
        title={err ? `line ${err.line}:${err.col}: ${err.message}` : undefined}
        data-line={n}
      >
        {err ? '● ' : ''}
        {n}
      </div>,
    );
  }
  const described = [errors.length ? props.errorsId : '', props.describedBy ?? ''].filter(Boolean).join(' ');

  return (
    <>
      <div className="editor" data-testid={props.testId}>
        <div className="editor-gutter" aria-hidden="true" data-testid={props.gutterTestId ?? 'editor-gutter'}>
          {gutter}
        </div>
        <textarea
          id={props.id}
          ref={boxRef}
          value={value}
          rows={props.rows ?? 6}
          wrap="off"
          spellCheck={false}
          placeholder={props.placeholder}
          aria-describedby={described || undefined}
          aria-invalid={errors.length > 0}
          onChange={(e) => {
            props.onChange(e.target.value);
            caret(e);
          }}
          onSelect={caret}
          onScroll={(e) => {
            setScrollTop(e.currentTarget.scrollTop);
            setHeight(e.currentTarget.clientHeight);
          }}
          onMouseUp={(e) => setHeight(e.currentTarget.clientHeight)}
          onKeyDown={props.onKeyDown}
        />
      </div>
      {errors.length > 0 && (
        <ul id={props.errorsId} className="editor-errors" data-testid={props.errorsTestId}>
          {errors.map((e) => (
            <li key={`${e.line}:${e.col}:${e.message}`}>
              <button type="button" className="link" onClick={() => jumpTo(e.line, e.col)}>
                Go to line {e.line}:{e.col}
              </button>{' '}
              <span className="error-text">{e.message}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Scroll the box so a line shows, without moving the caret or the focus. */
export function scrollToLine(box: HTMLTextAreaElement | null, line: number): void {
  if (!box) return;
  const top = (line - 1) * LINE_PX;
  if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - LINE_PX)
    box.scrollTop = Math.max(0, top - box.clientHeight / 2);
}
