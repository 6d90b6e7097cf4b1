import { useEffect, useRef } from 'react';

/** Every keyboard shortcut of the inbox, in the order a conversation is worked. */
export const SHORTCUTS: readonly { keys: string; does: string }[] = [
  { keys: 'j / k', does: 'Next / previous conversation' },
  { keys: 'Tab, Enter', does: 'Move between controls; open the focused conversation' },
  { keys: 'c', does: 'Assign the open conversation to me' },
  { keys: 'r', does: 'Write a reply' },
  { keys: '/', does: 'In the reply box: insert a canned response' },
  { keys: 'Ctrl+Enter', does: 'Send the reply' },
  { keys: 'Esc', does: 'Leave the reply box (back to the conversation)' },
  { keys: 'e', does: 'Resolve the open conversation' },
  { keys: '?', does: 'Show this list' },
];

/**
 * The `?` overlay: a modal <dialog>, so the browser traps focus inside it, closes it on Esc and
 * hands focus back to where it was. Mounted only while open, so its text is not in the page
 * otherwise (a closed dialog would still answer to "Shortcut" for a label lookup).
 */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  return (
    <dialog ref={dialog} className="shortcuts-help" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <th scope="row">
                <kbd>{s.keys}</kbd>
              </th>
              <td>{s.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
