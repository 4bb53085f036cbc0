/** One request and its response, as an object carried through the exchange stages. */
package dev.portcullis.core.exchange;
