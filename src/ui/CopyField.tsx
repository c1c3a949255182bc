/**
 * A labelled read-only field holding something the learner copies (a share link, embed code): the
 * whole text is selected on focus, so Ctrl+C copies it where the clipboard API was refused.
 */
import { useId } from 'react';

export function CopyField({
  label,
  value,
  placeholder,
  testId,
}: {
  label: string;
  value: string;
  placeholder: string;
  testId: string;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="share-link-label">
        {label}
      </label>
      <input
        id={id}
        className="share-link"
        readOnly
        value={value}
        placeholder={placeholder}
        onFocus={(e) => e.currentTarget.select()}
        data-testid={testId}
      />
    </>
  );
}
