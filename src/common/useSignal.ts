import { ISignal } from '@lumino/signaling';
import * as React from 'react';

/**
 * Re-render the calling component whenever `signal` fires (and `when`, if
 * given, says the render is wanted now).
 */
export function useRerenderOn(
  signal: ISignal<any, any>,
  when?: () => boolean
): void {
  const [, setVersion] = React.useState(0);
  const whenRef = React.useRef(when);
  whenRef.current = when;
  React.useEffect(() => {
    const onChange = () => {
      if (whenRef.current?.() ?? true) {
        setVersion(version => version + 1);
      }
    };
    signal.connect(onChange);
    return () => {
      signal.disconnect(onChange);
    };
  }, [signal]);
}
